//! `describe`: the manifest exactly as the component wrote it.

use super::app::App;
use super::CmdResult;
use std::path::Path;

pub fn run(config: Option<&Path>, component: Option<&Path>) -> CmdResult {
    // Only the host keys are read: describe must work before (and help fix)
    // a configuration that does not match the manifest yet.
    let (_, manifest, _, _) = App::describe_only(config.map(Into::into), component.map(Into::into))
        .map_err(|e| (e, None))?;
    println!("{}", manifest.text);
    Ok(())
}
