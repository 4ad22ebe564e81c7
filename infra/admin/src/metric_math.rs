//! CloudWatch metric math, as much as the template's alarms write: numbers, metric ids,
//! `+ - * /`, comparisons (1 or 0) and `IF(condition, then, else)`.

use anyhow::{anyhow, bail, Result};
use std::collections::HashMap;

/// The expression's value, given the values of the ids it names.
pub fn evaluate(expression: &str, ids: &HashMap<String, f64>) -> Result<f64> {
    let tokens: Vec<String> = {
        let mut tokens = Vec::new();
        let mut chars = expression.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
            } else if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                let mut t = String::new();
                while let Some(&c) = chars
                    .peek()
                    .filter(|c| c.is_ascii_alphanumeric() || **c == '.' || **c == '_')
                {
                    t.push(c);
                    chars.next();
                }
                tokens.push(t);
            } else {
                chars.next();
                let two = chars.peek().filter(|n| **n == '=').map(|_| '=');
                if let Some(n) = two.filter(|_| "<>=!".contains(c)) {
                    chars.next();
                    tokens.push(format!("{c}{n}"));
                } else {
                    tokens.push(c.to_string());
                }
            }
        }
        tokens
    };
    let mut at = 0;
    let value = comparison(&tokens, &mut at, ids)?;
    if at != tokens.len() {
        bail!("cannot read {expression:?} at {:?}", tokens.get(at));
    }
    Ok(value)
}

fn comparison(t: &[String], at: &mut usize, ids: &HashMap<String, f64>) -> Result<f64> {
    let left = sum(t, at, ids)?;
    let Some(op) = t
        .get(*at)
        .filter(|o| ["<", ">", "<=", ">=", "=="].contains(&o.as_str()))
        .cloned()
    else {
        return Ok(left);
    };
    *at += 1;
    let right = sum(t, at, ids)?;
    let holds = match op.as_str() {
        "<" => left < right,
        ">" => left > right,
        "<=" => left <= right,
        ">=" => left >= right,
        _ => left == right,
    };
    Ok(f64::from(u8::from(holds)))
}

fn sum(t: &[String], at: &mut usize, ids: &HashMap<String, f64>) -> Result<f64> {
    let mut value = product(t, at, ids)?;
    while let Some(op) = t.get(*at).filter(|o| *o == "+" || *o == "-").cloned() {
        *at += 1;
        let right = product(t, at, ids)?;
        value = if op == "+" {
            value + right
        } else {
            value - right
        };
    }
    Ok(value)
}

fn product(t: &[String], at: &mut usize, ids: &HashMap<String, f64>) -> Result<f64> {
    let mut value = atom(t, at, ids)?;
    while let Some(op) = t.get(*at).filter(|o| *o == "*" || *o == "/").cloned() {
        *at += 1;
        let right = atom(t, at, ids)?;
        value = if op == "*" {
            value * right
        } else {
            value / right
        };
    }
    Ok(value)
}

fn atom(t: &[String], at: &mut usize, ids: &HashMap<String, f64>) -> Result<f64> {
    let token = t
        .get(*at)
        .ok_or_else(|| anyhow!("the expression ends early"))?
        .clone();
    *at += 1;
    let expect = |at: &mut usize, what: &str| -> Result<()> {
        if t.get(*at).map(String::as_str) != Some(what) {
            bail!("expected {what:?}");
        }
        *at += 1;
        Ok(())
    };
    match token.as_str() {
        "(" => {
            let v = comparison(t, at, ids)?;
            expect(at, ")")?;
            Ok(v)
        }
        "IF" => {
            expect(at, "(")?;
            let condition = comparison(t, at, ids)?;
            expect(at, ",")?;
            let yes = comparison(t, at, ids)?;
            expect(at, ",")?;
            let no = comparison(t, at, ids)?;
            expect(at, ")")?;
            Ok(if condition != 0.0 { yes } else { no })
        }
        "-" => Ok(-atom(t, at, ids)?),
        other => other
            .parse::<f64>()
            .ok()
            .or_else(|| ids.get(other).copied())
            .ok_or_else(|| anyhow!("unknown {other:?} in the expression")),
    }
}

#[cfg(test)]
mod tests {
    use super::evaluate;
    use std::collections::HashMap;

    #[test]
    fn metric_math_as_the_template_writes_it() {
        let ids =
            |e: f64, r: f64| HashMap::from([("errors".to_owned(), e), ("requests".to_owned(), r)]);
        let rate = "IF(requests >= 20, 100 * errors / requests, 0)";
        assert_eq!(evaluate(rate, &ids(1.0, 10.0)).unwrap(), 0.0);
        assert_eq!(evaluate(rate, &ids(5.0, 25.0)).unwrap(), 20.0);
        assert_eq!(evaluate("(1 + 2) * 3 - -1", &ids(0.0, 0.0)).unwrap(), 10.0);
        assert!(evaluate("IF(requests, 1", &ids(0.0, 0.0)).is_err());
        assert!(evaluate("unknown * 2", &ids(0.0, 0.0)).is_err());
    }
}
