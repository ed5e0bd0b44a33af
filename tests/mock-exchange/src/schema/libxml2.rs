//! The few libxml2 functions the validator needs (libxml2 2.9+ ABI), and the
//! structured error callback that collects messages instead of printing them.

use std::ffi::{c_char, c_int, c_void, CStr};

use super::Issue;

#[repr(C)]
pub struct XmlError {
    domain: c_int,
    code: c_int,
    message: *const c_char,
    level: c_int,
    file: *const c_char,
    line: c_int,
    str1: *const c_char,
    str2: *const c_char,
    str3: *const c_char,
    int1: c_int,
    int2: c_int,
    ctxt: *mut c_void,
    node: *mut c_void,
}

pub type StructuredErrorFn = Option<unsafe extern "C" fn(*mut c_void, *const XmlError)>;

#[link(name = "xml2")]
extern "C" {
    pub fn xmlInitParser();
    pub fn xmlReadMemory(
        buffer: *const c_char,
        size: c_int,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut c_void;
    pub fn xmlFreeDoc(doc: *mut c_void);
    pub fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: StructuredErrorFn);
    pub fn xmlSchemaNewParserCtxt(url: *const c_char) -> *mut c_void;
    pub fn xmlSchemaSetParserStructuredErrors(
        ctxt: *mut c_void,
        f: StructuredErrorFn,
        ctx: *mut c_void,
    );
    pub fn xmlSchemaParse(ctxt: *mut c_void) -> *mut c_void;
    pub fn xmlSchemaFreeParserCtxt(ctxt: *mut c_void);
    pub fn xmlSchemaFree(schema: *mut c_void);
    pub fn xmlSchemaNewValidCtxt(schema: *mut c_void) -> *mut c_void;
    pub fn xmlSchemaSetValidStructuredErrors(
        ctxt: *mut c_void,
        f: StructuredErrorFn,
        ctx: *mut c_void,
    );
    pub fn xmlSchemaValidateDoc(ctxt: *mut c_void, doc: *mut c_void) -> c_int;
    pub fn xmlSchemaFreeValidCtxt(ctxt: *mut c_void);
}

pub const XML_PARSE_NOERROR: c_int = 1 << 5;
pub const XML_PARSE_NOWARNING: c_int = 1 << 6;
pub const XML_PARSE_NONET: c_int = 1 << 11;
pub const XML_ERR_WARNING: c_int = 1;
const MAX_ISSUES: usize = 20;

/// Collects errors (not warnings) into the `Vec<Issue>` behind `ctx`. Never panics.
pub unsafe extern "C" fn collect(ctx: *mut c_void, err: *const XmlError) {
    if ctx.is_null() || err.is_null() {
        return;
    }
    let issues = &mut *(ctx as *mut Vec<Issue>);
    let err = &*err;
    if err.level <= XML_ERR_WARNING || issues.len() >= MAX_ISSUES {
        return;
    }
    let message = if err.message.is_null() {
        String::from("unknown libxml2 error")
    } else {
        CStr::from_ptr(err.message)
            .to_string_lossy()
            .trim()
            .to_string()
    };
    issues.push(Issue {
        line: err.line.max(0) as u32,
        column: err.int2.max(0) as u32,
        message,
    });
}
