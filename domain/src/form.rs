//! Field-by-field validation of what a person typed: every wrong field is reported at once, so
//! an API client or a web form can show them all together.

use serde::Serialize;

use super::codes::FieldCode;

/// One invalid field: where, a stable code, and a message a person can act on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: FieldCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.to_string(),
        }
    }
}

/// For optional fields: absent is `None`, but an explicit `null` is refused like any other
/// wrong type (`#[serde(default, deserialize_with = "present")]`), as the API's schema says.
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Collects the field errors of one form.
#[derive(Debug, Default)]
pub struct Form(Vec<FieldError>);

impl Form {
    /// The value, or `None` with its error noted under `field`.
    pub fn take<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        code: FieldCode,
        r: Result<T, E>,
    ) -> Option<T> {
        r.map_err(|e| self.0.push(FieldError::new(field, code, e)))
            .ok()
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// `Err` with every error noted, if any.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_error_in_order() {
        let mut form = Form::default();
        assert_eq!(
            form.take("a", FieldCode::InvalidName, Err::<(), _>("no")),
            None
        );
        assert_eq!(
            form.take("b", FieldCode::InvalidCnp, Ok::<_, String>(2)),
            Some(2)
        );
        form.push(FieldError::new("c", FieldCode::Required, "also no"));
        let errors = form.finish().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [("a", FieldCode::InvalidName), ("c", FieldCode::Required)]
        );
        assert!(Form::default().finish().is_ok());
    }
}
