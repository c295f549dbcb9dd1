//! A small checker for the probes' GraphQL documents against an introspection schema
//! (Railway's public schema, `fixtures/providers/railway/schema.json`): every selected
//! field and every argument must exist on its type. Enough for the fixed queries keyreach
//! sends (no fragments, no directives).

use serde_json::Value;

fn tokens(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = doc.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ',' {
            chars.next();
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_') {
                word.push(c);
                chars.next();
            }
            out.push(word);
        } else if c == '"' {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
            }
            out.push("\"\"".into());
        } else {
            out.push(c.to_string());
            chars.next();
        }
    }
    out
}

fn named_type(t: &Value) -> Option<&str> {
    match t.get("name").and_then(Value::as_str) {
        Some(n) => Some(n),
        None => named_type(t.get("ofType")?),
    }
}

struct Checker<'a> {
    types: Vec<&'a Value>,
    toks: Vec<String>,
    pos: usize,
}

impl<'a> Checker<'a> {
    fn ty(&self, name: &str) -> Result<&'a Value, String> {
        self.types.iter().copied().find(|t| t["name"] == name).ok_or(format!("no type {name}"))
    }

    fn next(&mut self) -> Option<String> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(String::as_str)
    }

    fn selection(&mut self, type_name: &str) -> Result<(), String> {
        let ty = self.ty(type_name)?;
        if self.next().as_deref() != Some("{") {
            return Err("expected {".into());
        }
        loop {
            let name = self.next().ok_or("unexpected end")?;
            if name == "}" {
                return Ok(());
            }
            let field = ty["fields"]
                .as_array()
                .and_then(|f| f.iter().find(|f| f["name"] == name.as_str()))
                .ok_or(format!("{type_name} has no field {name}"))?;
            if self.peek() == Some("(") {
                self.next();
                loop {
                    let arg = self.next().ok_or("unexpected end")?;
                    if arg == ")" {
                        break;
                    }
                    let known = field["args"].as_array().is_some_and(|a| a.iter().any(|x| x["name"] == arg.as_str()));
                    if !known {
                        return Err(format!("{type_name}.{name} has no argument {arg}"));
                    }
                    self.next(); // :
                    let value = self.next().ok_or("unexpected end")?;
                    if value == "$" {
                        self.next();
                    }
                }
            }
            if self.peek() == Some("{") {
                let inner = named_type(&field["type"]).ok_or("unnamed type")?.to_string();
                self.selection(&inner)?;
            }
        }
    }
}

/// Checks `doc` (a query) against the introspection result `schema`.
pub fn validate(schema: &Value, doc: &str) -> Result<(), String> {
    let root = schema.get("data").unwrap_or(schema).get("__schema").ok_or("not an introspection result")?;
    let types: Vec<&Value> = root["types"].as_array().ok_or("no types")?.iter().collect();
    let query_type = root["queryType"]["name"].as_str().unwrap_or("Query").to_string();
    let mut c = Checker { types, toks: tokens(doc), pos: 0 };
    if c.peek() == Some("query") {
        c.next();
        while c.peek().is_some_and(|t| t != "{") {
            c.next();
        }
    }
    c.selection(&query_type)?;
    if c.pos != c.toks.len() {
        return Err("trailing tokens".into());
    }
    Ok(())
}
