//! A project's labeling configuration (`label_config` XML), read the way Label Studio reads it:
//! which task data keys it shows (`data_types`), its control tags (`parsed_label_config`) and
//! whether it is well formed.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value, json};

/// One XML element of the config with its attributes, in document order.
#[derive(Debug, Clone)]
struct Element {
    tag: String,
    attrs: Vec<(String, String)>,
    /// Index of the enclosing element, if any.
    parent: Option<usize>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A parsed label config. Every method is linear in the size of the config (lookups by name
/// and by parent are indexed once), so a config with tens of thousands of tags stays cheap on
/// every project read.
#[derive(Debug, Clone)]
pub struct LabelConfig {
    elements: Vec<Element>,
    /// The first element carrying each `name`.
    by_name: HashMap<String, usize>,
    /// The children of each element, in document order.
    children: Vec<Vec<usize>>,
}

/// Why a label config was refused; the message is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl LabelConfig {
    /// Parses and checks the config: well-formed XML, and every `toName` names an element.
    pub fn parse(xml: &str) -> Result<LabelConfig, ConfigError> {
        let elements = parse_elements(xml)?;
        if elements.is_empty() {
            return Err(ConfigError("syntax error: line 1, column 0".into()));
        }
        let mut by_name = HashMap::new();
        let mut children = vec![Vec::new(); elements.len()];
        for (index, element) in elements.iter().enumerate() {
            if let Some(name) = element.attr("name") {
                by_name.entry(name.to_owned()).or_insert(index);
            }
            if let Some(parent) = element.parent {
                children[parent].push(index);
            }
        }
        let config = LabelConfig { elements, by_name, children };
        config.check_to_names()?;
        Ok(config)
    }

    fn check_to_names(&self) -> Result<(), ConfigError> {
        for element in &self.elements {
            let Some(to_name) = element.attr("toName") else {
                continue;
            };
            for target in to_name.split(',').map(str::trim) {
                if !self.by_name.contains_key(target) {
                    let controls: Vec<String> =
                        self.controls().map(|c| format!("'{}'", c.attr("name").unwrap_or(""))).collect();
                    return Err(ConfigError(format!(
                        "toName=\"{target}\" not found in names: [{}]",
                        controls.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }

    fn controls(&self) -> impl Iterator<Item = &Element> {
        self.elements.iter().filter(|e| e.attr("toName").is_some() && e.attr("name").is_some())
    }

    /// Task data keys the config shows, with the object tag showing each, in document order
    /// (Label Studio's `data_types`). `Video` wins over other tags on the same key.
    pub fn data_types(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        for element in &self.elements {
            let (Some(_), Some(value)) = (element.attr("name"), element.attr("value")) else {
                continue;
            };
            let Some(key) = data_key(value) else { continue };
            match position.get(&key) {
                Some(&at) if element.tag == "Video" => out[at].1 = element.tag.clone(),
                Some(_) => {}
                None => {
                    position.insert(key.clone(), out.len());
                    out.push((key, element.tag.clone()));
                }
            }
        }
        out
    }

    /// The first data key: what a blob task's `$undefined$` key is renamed to.
    pub fn first_data_key(&self) -> Option<String> {
        self.data_types().into_iter().next().map(|(k, _)| k)
    }

    /// Label Studio's `parsed_label_config`: one entry per control tag.
    pub fn parsed(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for (index, control) in self.elements.iter().enumerate() {
            let (Some(name), Some(to_name)) = (control.attr("name"), control.attr("toName")) else {
                continue;
            };
            let to_names: Vec<&str> = to_name.split(',').map(str::trim).collect();
            let inputs: Vec<Value> = to_names
                .iter()
                .filter_map(|target| self.by_name.get(*target).map(|&i| &self.elements[i]))
                .map(|object| {
                    json!({"type": object.tag, "valueType": object.attr("valueType"),
                           "value": object.attr("value").and_then(data_key)})
                })
                .collect();
            let mut labels = Vec::new();
            let mut labels_attrs = Map::new();
            for child in self.children[index].iter().map(|&i| &self.elements[i]) {
                let Some(label) = child.attr("alias").or_else(|| child.attr("value")) else {
                    continue;
                };
                labels.push(json!(label));
                let attrs: Map<String, Value> =
                    child.attrs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
                labels_attrs.insert(label.to_owned(), Value::Object(attrs));
            }
            out.insert(
                name.to_owned(),
                json!({"type": control.tag, "to_name": to_names, "inputs": inputs,
                       "labels": labels, "labels_attrs": labels_attrs}),
            );
        }
        out
    }

    /// Label Studio's default `control_weights` for this config.
    pub fn default_control_weights(&self) -> Map<String, Value> {
        self.parsed()
            .into_iter()
            .map(|(name, control)| {
                let labels: Map<String, Value> = control["labels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.as_str().map(|l| (l.to_owned(), json!(1.0))))
                    .collect();
                (name, json!({"overall": 1.0, "type": control["type"], "labels": labels}))
            })
            .collect()
    }

    /// Label Studio's `config_suitable_for_bulk_annotation`.
    pub fn suitable_for_bulk_annotation(&self) -> bool {
        const REGION_TAGS: &[&str] = &[
            "Labels",
            "Brush",
            "BrushLabels",
            "Ellipse",
            "EllipseLabels",
            "KeyPoint",
            "KeyPointLabels",
            "Polygon",
            "PolygonLabels",
            "Rectangle",
            "RectangleLabels",
            "HyperTextLabels",
            "ParagraphLabels",
            "TimeSeriesLabels",
            "VideoRectangle",
        ];
        const PER_ITEM_TAGS: &[&str] = &["Choices", "Taxonomy", "DateTime", "Number", "Rating", "TextArea"];
        self.elements.iter().all(|e| {
            let tag = e.tag.as_str();
            !(REGION_TAGS.contains(&tag)
                || (PER_ITEM_TAGS.contains(&tag)
                    && (e.attr("perRegion") == Some("true") || e.attr("perItem") == Some("true")))
                || ((tag == "Choices" || tag == "Taxonomy") && e.attr("value").is_some())
                || (tag == "Taxonomy" && (e.attr("labeling") == Some("true") || e.attr("apiUrl").is_some())))
        })
    }
}

/// `$image_url` → `image_url`; otherwise the first `$word` inside the value, if any.
fn data_key(value: &str) -> Option<String> {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix('$')
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Some(rest.to_owned());
    }
    let start = value.find('$')? + 1;
    let word: String = value[start..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!word.is_empty()).then_some(word)
}

fn parse_elements(xml: &str) -> Result<Vec<Element>, ConfigError> {
    let mut reader = Reader::from_str(xml);
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| syntax_error(xml, position, &e.to_string()))?;
        match event {
            Event::Start(start) => {
                let element = element(&start, stack.last().copied(), xml, position)?;
                elements.push(element);
                stack.push(elements.len() - 1);
            }
            Event::Empty(start) => {
                let element = element(&start, stack.last().copied(), xml, position)?;
                elements.push(element);
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(ConfigError(format!(
            "Premature end of data in tag {}",
            elements[*stack.last().unwrap_or(&0)].tag
        )));
    }
    Ok(elements)
}

fn element(
    start: &BytesStart<'_>,
    parent: Option<usize>,
    xml: &str,
    position: u64,
) -> Result<Element, ConfigError> {
    let tag = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    // quick-xml's own duplicate check compares each attribute with every earlier one
    // (quadratic in a tag with many attributes); a set does it in linear time.
    let mut seen = std::collections::HashSet::new();
    for attr in start.attributes().with_checks(false) {
        let attr = attr.map_err(|e| syntax_error(xml, position, &e.to_string()))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        if !seen.insert(key.clone()) {
            return Err(syntax_error(xml, position, &format!("duplicated attribute {key:?}")));
        }
        let value =
            attr.unescape_value().map_err(|e| syntax_error(xml, position, &e.to_string()))?.into_owned();
        attrs.push((key, value));
    }
    Ok(Element { tag, attrs, parent })
}

fn syntax_error(xml: &str, position: u64, message: &str) -> ConfigError {
    let offset = usize::try_from(position).unwrap_or(0).min(xml.len());
    let before = &xml[..offset];
    let line = before.matches('\n').count() + 1;
    let column = offset - before.rfind('\n').map_or(0, |i| i + 1);
    ConfigError(format!("{message}: line {line}, column {column}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: &str = r#"<View><Image name="image" value="$image_url"/>
        <Choices name="label" toName="image"><Choice value="pos"/><Choice value="neg" alias="N"/></Choices></View>"#;

    /// The first data key of an image config is the image's variable.
    #[test]
    fn data_keys() {
        let config = LabelConfig::parse(IMAGE).unwrap();
        assert_eq!(config.first_data_key().as_deref(), Some("image_url"));
        let header =
            LabelConfig::parse(r#"<View><Header value="Hi $name!"/><Text name="t" value="$text"/></View>"#)
                .unwrap();
        assert_eq!(header.data_types(), vec![("text".to_owned(), "Text".to_owned())]);
        assert_eq!(LabelConfig::parse("<View></View>").unwrap().first_data_key(), None);
    }

    /// Controls are listed with their inputs and labels (aliases win), as Label Studio shows them.
    #[test]
    fn parsed_config() {
        let parsed = LabelConfig::parse(IMAGE).unwrap().parsed();
        assert_eq!(parsed["label"]["type"], "Choices");
        assert_eq!(parsed["label"]["to_name"], json!(["image"]));
        assert_eq!(
            parsed["label"]["inputs"],
            json!([{"type": "Image", "valueType": null, "value": "image_url"}])
        );
        assert_eq!(parsed["label"]["labels"], json!(["pos", "N"]));
        assert_eq!(parsed["label"]["labels_attrs"]["N"], json!({"value": "neg", "alias": "N"}));
    }

    /// Malformed XML and dangling toName references are refused with a message.
    #[test]
    fn invalid_configs() {
        assert!(LabelConfig::parse("<View><Image").is_err());
        assert!(LabelConfig::parse("not xml").is_err());
        let err = LabelConfig::parse(r#"<View><Choices name="label" toName="nope"/></View>"#).unwrap_err();
        assert_eq!(err.0, "toName=\"nope\" not found in names: ['label']");
        assert!(LabelConfig::parse("<View><Image name=\"i\" value=\"$x\">").is_err());
    }

    /// A config with 20,000 controls and a tag with 20,000 attributes parse (linear checks),
    /// every control keeps its own input, and a dangling `toName` among them is still found.
    #[test]
    fn large_configs() {
        let n = 20_000;
        let mut xml = String::from("<View>");
        for i in 0..n {
            xml.push_str(&format!(
                r#"<Text name="t{i}" value="$k{i}"/><Choices name="c{i}" toName="t{i}"><Choice value="v{i}"/></Choices>"#
            ));
        }
        let attrs: String = (0..n).map(|i| format!(r#" a{i}="{i}""#)).collect();
        xml.push_str(&format!("<Header{attrs}/></View>"));
        let config = LabelConfig::parse(&xml).unwrap();
        let parsed = config.parsed();
        assert_eq!(parsed.len(), n);
        assert_eq!(parsed["c19999"]["inputs"][0]["value"], "k19999");
        assert_eq!(parsed["c7"]["labels"], json!(["v7"]));
        assert_eq!(config.data_types().len(), n);
        let dangling = xml.replace(r#"toName="t12345""#, r#"toName="t12345,gone""#);
        let err = LabelConfig::parse(&dangling).unwrap_err();
        assert!(err.0.starts_with("toName=\"gone\" not found in names: ['c0', 'c1'"), "{}", &err.0[..80]);
    }

    /// A repeated attribute is still a syntax error with quick-xml's own checks turned off.
    #[test]
    fn duplicated_attributes() {
        let err = LabelConfig::parse(r#"<View><Text name="a" name="b" value="$x"/></View>"#).unwrap_err();
        assert!(err.0.contains("duplicated attribute \"name\""), "{}", err.0);
    }

    /// Region-based configs are not suitable for bulk annotation; choices alone are.
    #[test]
    fn bulk_annotation() {
        assert!(LabelConfig::parse(IMAGE).unwrap().suitable_for_bulk_annotation());
        let rect = r#"<View><Image name="i" value="$x"/><RectangleLabels name="r" toName="i"/></View>"#;
        assert!(!LabelConfig::parse(rect).unwrap().suitable_for_bulk_annotation());
    }
}
