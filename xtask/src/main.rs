//! Project tasks that cargo alone cannot express.
//!
//! - `cargo xtask build`: build the wasm guests for `wasm32-unknown-unknown` and
//!   turn each core module into a component under `target/components/`.
//! - `cargo xtask check-imports [COMPONENT]`: the component's imports must be
//!   exactly the contract world's, so that its authority is what `wit/` says.
//! - `cargo xtask imports COMPONENT`: print a component's imports and exports.

mod toolchain;

use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use wit_component::{ComponentEncoder, DecodedWasm};
use wit_parser::{IndexMap, Resolve, WorldItem, WorldKey};

/// (package, wasm file stem) of every guest this repo builds.
const GUESTS: &[(&str, &str)] = &[("ews-guest", "ews_guest"), ("probe-guest", "probe_guest")];
const WORLD: &str = "integration";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("build") => build(&root, &args[1..]),
        Some("check-imports") => {
            let path = args
                .get(1)
                .map(PathBuf::from)
                .unwrap_or_else(|| components_dir(&root).join("ews_guest.wasm"));
            check_imports(&root, &path)
        }
        Some("imports") => {
            let path = args
                .get(1)
                .context("usage: cargo xtask imports COMPONENT")?;
            let (imports, exports) = component_interfaces(Path::new(path))?;
            imports.iter().for_each(|i| println!("import {i}"));
            exports.iter().for_each(|e| println!("export {e}"));
            Ok(())
        }
        _ => bail!(
            "usage: cargo xtask build [GUEST...] | check-imports [COMPONENT] | imports COMPONENT"
        ),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn components_dir(root: &Path) -> PathBuf {
    root.join("target").join("components")
}

/// Builds every guest, or only those named.
fn build(root: &Path, only: &[String]) -> Result<()> {
    let guests: Vec<_> = GUESTS
        .iter()
        .filter(|(p, _)| only.is_empty() || only.iter().any(|o| o == p))
        .collect();
    if guests.is_empty() {
        bail!("no guest named {only:?}; the guests are {GUESTS:?}");
    }
    let toolchain = toolchain::detect()?;
    let target_dir = root.join("target").join("wasm");
    let packages: Vec<&str> = guests.iter().map(|(p, _)| *p).collect();
    toolchain.build(root, &target_dir, &packages)?;

    let out = components_dir(root);
    std::fs::create_dir_all(&out)?;
    for (_, stem) in &guests {
        let core = target_dir
            .join("wasm32-unknown-unknown")
            .join("wasm")
            .join(format!("{stem}.wasm"));
        let dest = out.join(format!("{stem}.wasm"));
        let core = shrink(&core)?;
        componentize(&core, &dest)?;
        let size = std::fs::metadata(&dest)?.len();
        eprintln!("component {} ({} KiB)", dest.display(), size / 1024);
    }
    if packages.contains(&"ews-guest") {
        check_imports(root, &out.join("ews_guest.wasm"))?;
    }
    Ok(())
}

/// The wasm features rustc's wasm32-unknown-unknown emits by default;
/// wasm-opt must be told, as the module carries no target_features section.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
    "--enable-simd",
];

/// binaryen's `wasm-opt -Oz` over the core module (about 15% smaller than
/// LLVM's own "z"), when it is installed (`scripts/bootstrap` installs it);
/// otherwise the module as cargo built it, with a note.
fn shrink(core: &Path) -> Result<PathBuf> {
    let out = core.with_extension("opt.wasm");
    // XTASK_KEEP_NAMES=1 (with CARGO_PROFILE_WASM_STRIP=false) keeps the
    // function names, for profiling with the host's EWS_PROFILE=perfmap.
    let strip: &[&str] = if std::env::var_os("XTASK_KEEP_NAMES").is_some() {
        &["-g"]
    } else {
        &["--strip-debug", "--strip-producers"]
    };
    let run = Command::new("wasm-opt")
        .args(["-Oz", "--converge"])
        .args(strip)
        .args(WASM_FEATURES)
        .arg(core)
        .arg("-o")
        .arg(&out)
        .output();
    match run {
        Ok(o) if o.status.success() => Ok(out),
        Ok(o) => bail!(
            "wasm-opt failed on {}: {}",
            core.display(),
            String::from_utf8_lossy(&o.stderr)
                .chars()
                .take(2000)
                .collect::<String>()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "wasm-opt not found (Debian: binaryen): the component is built without it, larger"
            );
            Ok(core.to_path_buf())
        }
        Err(e) => Err(e).context("running wasm-opt"),
    }
}

/// Rewrite only when the bytes change, so that the host's compiled-component
/// cache and cargo's mtimes stay warm across no-op builds.
fn componentize(core: &Path, dest: &Path) -> Result<()> {
    let module = std::fs::read(core).with_context(|| format!("reading {}", core.display()))?;
    let component = ComponentEncoder::default()
        .module(&module)
        .context("reading the core module's component-type section")?
        .validate(true)
        .encode()
        .with_context(|| format!("turning {} into a component", core.display()))?;
    let component = without_custom_section(&component, "component-name")
        .context("stripping the component's name section")?;
    if std::fs::read(dest).ok().as_deref() != Some(&component[..]) {
        let tmp = dest.with_extension("wasm.tmp");
        std::fs::write(&tmp, &component)?;
        std::fs::rename(&tmp, dest)?;
    }
    Ok(())
}

/// The component without its top-level custom section `name`. wit-component
/// always writes `component-name` (8 KB of names for a debugger); nothing
/// at run time reads it, and the component is kept under 1 MiB (issue 11).
fn without_custom_section(wasm: &[u8], name: &str) -> Result<Vec<u8>> {
    fn leb(b: &[u8], i: &mut usize) -> Result<usize> {
        let (mut n, mut shift) = (0usize, 0);
        loop {
            let byte = *b.get(*i).context("a section runs past the end")?;
            *i += 1;
            n |= usize::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(n);
            }
            shift += 7;
            if shift > 28 {
                bail!("a section size is not a u32 LEB128");
            }
        }
    }
    let mut out = wasm.get(..8).context("not a wasm binary")?.to_vec();
    let mut i = 8;
    while i < wasm.len() {
        let start = i;
        let id = wasm[i];
        i += 1;
        let size = leb(wasm, &mut i)?;
        let end = i.checked_add(size).filter(|&e| e <= wasm.len());
        let end = end.context("a section runs past the end")?;
        let mut n = i;
        let drop = id == 0
            && leb(wasm, &mut n).ok().and_then(|len| wasm.get(n..n + len)) == Some(name.as_bytes());
        if !drop {
            out.extend_from_slice(&wasm[start..end]);
        }
        i = end;
    }
    Ok(out)
}

/// Interface names (`ns:pkg/iface@version`) a component imports and exports.
fn component_interfaces(path: &Path) -> Result<(BTreeSet<String>, BTreeSet<String>)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let DecodedWasm::Component(resolve, world) = wit_component::decode(&bytes)? else {
        bail!("{} is a WIT package, not a component", path.display());
    };
    let world = &resolve.worlds[world];
    Ok((
        items_names(&resolve, &world.imports),
        items_names(&resolve, &world.exports),
    ))
}

/// What the contract's world lets a component import (`allowed`: its imports,
/// with the interfaces they `use`) and what it must import (`named`: those the
/// world names itself; an interface that is only `use`d, such as
/// wasi:clocks/monotonic-clock through wasi:http/types, is imported only when
/// the component really touches it).
struct Contract {
    allowed: BTreeSet<String>,
    named: BTreeSet<String>,
}

fn contract(root: &Path) -> Result<Contract> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_dir(root.join("wit"))?;
    let world = &resolve.worlds[resolve.select_world(&[pkg], Some(WORLD))?];
    let interfaces = |items: &IndexMap<WorldKey, WorldItem>| -> Vec<_> {
        items
            .values()
            .filter_map(|item| match item {
                WorldItem::Interface { id, .. } => Some(*id),
                _ => None,
            })
            .collect()
    };
    let used: BTreeSet<_> = interfaces(&world.imports)
        .into_iter()
        .chain(interfaces(&world.exports))
        .flat_map(|id| resolve.interface_direct_deps(id).collect::<Vec<_>>())
        .collect();
    let named = interfaces(&world.imports)
        .into_iter()
        .filter(|id| !used.contains(id))
        .filter_map(|id| resolve.id_of(id))
        .collect();
    Ok(Contract {
        allowed: items_names(&resolve, &world.imports),
        named,
    })
}

fn items_names(resolve: &Resolve, items: &IndexMap<WorldKey, WorldItem>) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|(key, item)| match (key, item) {
            (WorldKey::Interface(id), WorldItem::Interface { .. }) => resolve.id_of(*id),
            (WorldKey::Name(name), WorldItem::Function(_)) => Some(format!("func {name}")),
            _ => None,
        })
        .collect()
}

fn check_imports(root: &Path, component: &Path) -> Result<()> {
    let contract = contract(root)?;
    let (imports, _) = component_interfaces(component)?;
    let extra: Vec<_> = imports.difference(&contract.allowed).collect();
    let missing: Vec<_> = contract.named.difference(&imports).collect();
    if !extra.is_empty() || !missing.is_empty() {
        bail!(
            "{} does not import exactly the contract's list\n  not in the contract: {extra:?}\n  named by the contract but not imported: {missing:?}",
            component.display()
        );
    }
    eprintln!(
        "{} imports {} interfaces, all in the contract, including each of the {} it names",
        component.display(),
        imports.len(),
        contract.named.len()
    );
    Ok(())
}
