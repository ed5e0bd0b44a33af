//! `$filter`: the OData subset graph.md lists, parsed against the properties
//! an entity can be filtered on, and evaluated against stored values.
//! Comparisons (`eq ne gt ge lt le`), `and`, `or`, `not`, parentheses,
//! `contains`/`startswith` on the properties that allow them, and
//! `categories/any(c:c eq '...')`. String equality folds case, as Exchange's
//! does. A form the entity does not take is a 400 with the entity's code.

use super::reply::GraphError;
use crate::mime::parse_datetime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Time,
    /// A collection of strings (`categories`).
    List,
}

/// What an entity lets `$filter` say.
pub struct Schema {
    pub properties: &'static [(&'static str, Kind)],
    /// (function, property) pairs allowed.
    pub functions: &'static [(&'static str, &'static str)],
    /// The error code for an unsupported form.
    pub code: &'static str,
}

/// A stored value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Bool(bool),
    Time(i64),
    List(Vec<String>),
    Null,
}

/// Something `$filter` is evaluated against.
pub trait Fields {
    fn get(&self, property: &str) -> Value;
}

pub use crate::restriction::Op;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    Str(String),
    Bool(bool),
    Time(i64),
    Null,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Cmp(String, Op, Literal),
    Func(String, String, String),
    /// `prop/any(v:v eq 'x')`.
    Any(String, String),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
    Colon,
}

fn syntax(text: &str) -> GraphError {
    GraphError::bad_request("BadRequest", &format!("Invalid filter clause: {text}"))
}

fn lex(s: &str) -> Result<Vec<Tok>, GraphError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax("unterminated string literal")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1
                        }
                    }
                }
                out.push(Tok::Str(text));
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t(),'".contains(chars[i]) {
                    // A time literal has colons; a lambda variable is followed by one.
                    if chars[i] == ':' && !chars[start].is_ascii_digit() {
                        break;
                    }
                    i += 1;
                }
                if i == start {
                    return Err(syntax(&format!("unexpected '{c}'")));
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    schema: &'a Schema,
}

impl Parser<'_> {
    fn peek_word(&self) -> Option<String> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, tok: Tok) -> Result<(), GraphError> {
        match self.next() {
            Some(t) if t == tok => Ok(()),
            other => Err(syntax(&format!("expected {tok:?}, found {other:?}"))),
        }
    }

    fn unsupported(&self, what: &str) -> GraphError {
        GraphError::bad_request(
            self.schema.code,
            &format!("The query filter contains one or more invalid nodes: {what}."),
        )
    }

    fn or(&mut self) -> Result<Expr, GraphError> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, GraphError> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, GraphError> {
        if self.peek_word().as_deref() == Some("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.toks.get(self.pos) == Some(&Tok::Open) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::Close)?;
            return Ok(e);
        }
        let Some(Tok::Word(word)) = self.next() else {
            return Err(syntax("expected a property or a function"));
        };
        if self.toks.get(self.pos) == Some(&Tok::Open) {
            if let Some(prop) = word.strip_suffix("/any") {
                return self.any(prop);
            }
            return self.function(&word);
        }
        let kind = self.kind(&word)?;
        let op = match self.peek_word().as_deref() {
            Some("eq") => Op::Eq,
            Some("ne") => Op::Ne,
            Some("gt") => Op::Gt,
            Some("ge") => Op::Ge,
            Some("lt") => Op::Lt,
            Some("le") => Op::Le,
            other => return Err(syntax(&format!("expected an operator, found {other:?}"))),
        };
        self.pos += 1;
        let lit = self.literal()?;
        let fits = matches!(
            (kind, &lit, op),
            (Kind::Str, Literal::Str(_) | Literal::Null, Op::Eq | Op::Ne)
                | (Kind::Bool, Literal::Bool(_), Op::Eq | Op::Ne)
                | (Kind::Time, Literal::Time(_), _)
        );
        if !fits {
            return Err(self.unsupported(&format!("{word} {op:?} {lit:?}")));
        }
        Ok(Expr::Cmp(self.canonical(&word), op, lit))
    }

    fn kind(&self, property: &str) -> Result<Kind, GraphError> {
        self.schema
            .properties
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(property))
            .map(|(_, k)| *k)
            .ok_or_else(|| self.unsupported(&format!("property '{property}'")))
    }

    fn canonical(&self, property: &str) -> String {
        self.schema
            .properties
            .iter()
            .find(|(p, _)| p.eq_ignore_ascii_case(property))
            .map_or(property, |(p, _)| p)
            .to_string()
    }

    fn literal(&mut self) -> Result<Literal, GraphError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Literal::Str(s)),
            Some(Tok::Word(w)) => match w.as_str() {
                "true" => Ok(Literal::Bool(true)),
                "false" => Ok(Literal::Bool(false)),
                "null" => Ok(Literal::Null),
                _ => parse_datetime(&w)
                    .filter(|_| w.contains('T'))
                    .map(Literal::Time)
                    .ok_or_else(|| syntax(&format!("'{w}' is not a literal"))),
            },
            other => Err(syntax(&format!("expected a literal, found {other:?}"))),
        }
    }

    fn function(&mut self, name: &str) -> Result<Expr, GraphError> {
        self.expect(Tok::Open)?;
        let Some(Tok::Word(prop)) = self.next() else {
            return Err(syntax("expected a property"));
        };
        self.expect(Tok::Comma)?;
        let Some(Tok::Str(value)) = self.next() else {
            return Err(syntax("expected a string"));
        };
        self.expect(Tok::Close)?;
        let name = name.to_ascii_lowercase();
        let allowed = self
            .schema
            .functions
            .iter()
            .any(|(f, p)| *f == name && p.eq_ignore_ascii_case(&prop));
        if !allowed {
            return Err(self.unsupported(&format!("{name}({prop})")));
        }
        Ok(Expr::Func(name, self.canonical(&prop), value))
    }

    fn any(&mut self, prop: &str) -> Result<Expr, GraphError> {
        if self.kind(prop)? != Kind::List {
            return Err(self.unsupported(&format!("{prop}/any")));
        }
        self.expect(Tok::Open)?;
        let Some(Tok::Word(var)) = self.next() else {
            return Err(syntax("expected a lambda variable"));
        };
        self.expect(Tok::Colon)?;
        let same = matches!(self.next(), Some(Tok::Word(v)) if v == var);
        let eq = self.next() == Some(Tok::Word("eq".into()));
        let Some(Tok::Str(value)) = self.next().filter(|_| same && eq) else {
            return Err(syntax("expected v:v eq '...'"));
        };
        self.expect(Tok::Close)?;
        Ok(Expr::Any(self.canonical(prop), value))
    }
}

pub fn parse(text: &str, schema: &Schema) -> Result<Expr, GraphError> {
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
        schema,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(syntax(&format!("unexpected {:?}", p.toks[p.pos])));
    }
    Ok(e)
}

impl Expr {
    /// The property of the first comparison, in the order written: the one
    /// `$orderby` must name (InefficientFilter otherwise).
    pub fn first_property(&self) -> &str {
        match self {
            Expr::Cmp(p, ..) | Expr::Func(_, p, _) | Expr::Any(p, _) => p,
            Expr::And(a, _) | Expr::Or(a, _) | Expr::Not(a) => a.first_property(),
        }
    }

    pub fn matches(&self, f: &dyn Fields) -> bool {
        match self {
            Expr::And(a, b) => a.matches(f) && b.matches(f),
            Expr::Or(a, b) => a.matches(f) || b.matches(f),
            Expr::Not(a) => !a.matches(f),
            Expr::Any(p, v) => match f.get(p) {
                Value::List(items) => items.iter().any(|i| i.eq_ignore_ascii_case(v)),
                _ => false,
            },
            Expr::Func(name, p, v) => {
                let Value::Str(s) = f.get(p) else {
                    return false;
                };
                let (s, v) = (s.to_lowercase(), v.to_lowercase());
                match name.as_str() {
                    "contains" => s.contains(&v),
                    "startswith" => s.starts_with(&v),
                    "endswith" => s.ends_with(&v),
                    _ => false,
                }
            }
            Expr::Cmp(p, op, lit) => {
                let ord = match (f.get(p), lit) {
                    (Value::Str(a), Literal::Str(b)) => {
                        Some(a.to_lowercase().cmp(&b.to_lowercase()))
                    }
                    (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
                    (Value::Time(a), Literal::Time(b)) => Some(a.cmp(b)),
                    (Value::Null, Literal::Null) => Some(std::cmp::Ordering::Equal),
                    _ => None,
                };
                use std::cmp::Ordering::*;
                match (op, ord) {
                    (Op::Ne, None) => true,
                    (_, None) => false,
                    (Op::Eq, Some(o)) => o == Equal,
                    (Op::Ne, Some(o)) => o != Equal,
                    (Op::Gt, Some(o)) => o == Greater,
                    (Op::Ge, Some(o)) => o != Less,
                    (Op::Lt, Some(o)) => o == Less,
                    (Op::Le, Some(o)) => o != Greater,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        properties: &[
            ("receivedDateTime", Kind::Time),
            ("isRead", Kind::Bool),
            ("subject", Kind::Str),
            ("from/emailAddress/address", Kind::Str),
            ("categories", Kind::List),
        ],
        functions: &[("contains", "subject")],
        code: "ErrorInvalidUrlQueryFilter",
    };

    struct M;
    impl Fields for M {
        fn get(&self, p: &str) -> Value {
            match p {
                "receivedDateTime" => Value::Time(parse_datetime("2026-11-20T10:00:00Z").unwrap()),
                "isRead" => Value::Bool(false),
                "subject" => Value::Str("Invoice O'Brien".into()),
                "from/emailAddress/address" => Value::Str("Eve@Evil.example".into()),
                "categories" => Value::List(vec!["Phish".into()]),
                _ => Value::Null,
            }
        }
    }

    fn eval(text: &str) -> bool {
        parse(text, &SCHEMA).unwrap().matches(&M)
    }

    #[test]
    fn the_forms_of_graph_md() {
        assert!(eval(
            "receivedDateTime ge 2026-11-20T10:00:00Z and isRead eq false"
        ));
        assert!(!eval("receivedDateTime lt 2026-11-20T10:00:00Z"));
        assert!(eval("contains(subject,'o''brien')"));
        assert!(eval("from/emailAddress/address eq 'eve@evil.example'"));
        assert!(eval("categories/any(c:c eq 'phish')"));
        assert!(eval("receivedDateTime ge 1970-01-01T00:00:00Z and (isRead eq true or contains(subject,'invoice'))"));
        assert!(eval("not isRead eq true"));
        let e = parse(
            "receivedDateTime ge 2026-01-01T00:00:00Z and isRead eq true",
            &SCHEMA,
        )
        .unwrap();
        assert_eq!(e.first_property(), "receivedDateTime");
    }

    #[test]
    fn other_forms_are_refused() {
        for bad in [
            "size gt 10",
            "contains(from/emailAddress/address,'x')",
            "isRead eq 'yes'",
            "subject gt 'a'",
            "isRead eq",
            "(isRead eq true",
            "subject eq 'unterminated",
        ] {
            let e = parse(bad, &SCHEMA).unwrap_err();
            assert_eq!(e.status, 400, "{bad}");
        }
    }
}
