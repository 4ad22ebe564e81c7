//! The citizen's civil-status data as typed (at registration, or when the holder corrects
//! them), and their parsing into a `Person`, every wrong field noted.

use crate::domain::form::{present, Form};
use crate::domain::{Cnp, FieldCode, FieldError, IdDocument, Name, Person};
use serde::Deserialize;

/// The civil-status data as typed (at registration, or when the holder corrects them).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredDto {
    pub cnp: String,
    pub last_name: String,
    pub first_name: String,
    #[serde(default, deserialize_with = "present")]
    pub father_first_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub mother_first_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub birth_place: Option<String>,
    pub id_document: IdDocumentDto,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdDocumentDto {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "present")]
    pub series: Option<String>,
    pub number: String,
}

impl IdDocumentDto {
    pub fn parse(&self, field: &str) -> Result<IdDocument, FieldError> {
        IdDocument::parse(&self.kind, self.series.as_deref(), &self.number)
            .map_err(|e| FieldError::new(field, FieldCode::InvalidIdDocument, e))
    }
}

impl DeclaredDto {
    /// The typed data as the domain reads them, or every wrong field: what an edge parses
    /// before it calls the service.
    pub fn try_into_domain(self) -> Result<Person, Vec<FieldError>> {
        let mut form = Form::default();
        let person = parse_person(&self, &mut form);
        form.finish()?;
        person.ok_or_else(Vec::new)
    }
}

/// The typed data as a `Person`, or `None` with each wrong field noted in `form`.
pub(super) fn parse_person(dto: &DeclaredDto, form: &mut Form) -> Option<Person> {
    let cnp = form.take("cnp", FieldCode::InvalidCnp, Cnp::parse(&dto.cnp));
    let mut name = |field: &str, v: &str| form.take(field, FieldCode::InvalidName, Name::parse(v));
    let last_name = name("last_name", &dto.last_name);
    let first_name = name("first_name", &dto.first_name);
    let father = dto
        .father_first_name
        .as_deref()
        .map(|v| name("father_first_name", v));
    let mother = dto
        .mother_first_name
        .as_deref()
        .map(|v| name("mother_first_name", v));
    let place = dto
        .birth_place
        .as_deref()
        .map(|v| form.take("birth_place", FieldCode::InvalidPlace, Name::parse_place(v)));
    let id_document = dto
        .id_document
        .parse("id_document")
        .map_err(|e| form.push(e))
        .ok();
    Some(Person {
        cnp: cnp?,
        last_name: last_name?,
        first_name: first_name?,
        father_first_name: father.map(|f| f.ok_or(())).transpose().ok()?,
        mother_first_name: mother.map(|f| f.ok_or(())).transpose().ok()?,
        birth_place: place.map(|f| f.ok_or(())).transpose().ok()?,
        id_document: id_document?,
    })
}
