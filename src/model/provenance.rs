//! Provenance normalisation: raw change sources, user agents and origins become
//! one `SourceClass`, and each write gets a `source_key` naming the writer the
//! checks compare (a human channel, or one integration by its client name).

/// Who or what wrote a change, normalised across CRMs (SCHEMAS.md §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceClass {
    /// A person in the web app.
    HumanUi,
    /// A person in the mobile app.
    HumanMobile,
    /// A person's bulk edit from a list view.
    Bulk,
    /// An API client not (yet) tied to a named integration.
    Api,
    /// A named integration.
    Integration,
    /// Workflow automation inside the CRM.
    Automation,
    /// A file import.
    Import,
    /// The CRM itself (calculated fields, merges).
    System,
    /// Not known.
    Unknown,
}

impl SourceClass {
    /// Every class, in report order.
    pub const ALL: [SourceClass; 9] = [
        SourceClass::HumanUi,
        SourceClass::HumanMobile,
        SourceClass::Bulk,
        SourceClass::Api,
        SourceClass::Integration,
        SourceClass::Automation,
        SourceClass::Import,
        SourceClass::System,
        SourceClass::Unknown,
    ];

    /// Stable name stored in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceClass::HumanUi => "human_ui",
            SourceClass::HumanMobile => "human_mobile",
            SourceClass::Bulk => "bulk",
            SourceClass::Api => "api",
            SourceClass::Integration => "integration",
            SourceClass::Automation => "automation",
            SourceClass::Import => "import",
            SourceClass::System => "system",
            SourceClass::Unknown => "unknown",
        }
    }

    /// True for a person's own hand in the UI or mobile app (not bulk).
    pub fn is_human_hand(self) -> bool {
        matches!(self, SourceClass::HumanUi | SourceClass::HumanMobile)
    }
}

/// Classifies one Pipedrive `dealChange` by its `change_source`, user agent,
/// `origin` and bulk flag. A `bulk-actions-api` write is a person's bulk edit.
pub fn classify_pipedrive(
    change_source: Option<&str>,
    user_agent: Option<&str>,
    origin: Option<&str>,
    bulk_flag: bool,
) -> SourceClass {
    let source = change_source.unwrap_or("").trim().to_ascii_lowercase();
    let agent = user_agent.unwrap_or("").trim().to_ascii_lowercase();
    let origin = origin.unwrap_or("").trim();
    let bulk =
        bulk_flag || agent == "bulk-actions-api" || origin.eq_ignore_ascii_case("bulkAction");
    match source.as_str() {
        "app" | "web" => SourceClass::HumanUi,
        "mobile" => SourceClass::HumanMobile,
        "api" if bulk => SourceClass::Bulk,
        "api" => SourceClass::Api,
        "automation" | "workflow" | "workflow_automation" => SourceClass::Automation,
        "import" => SourceClass::Import,
        "marketplace" | "integration" => SourceClass::Integration,
        "system" | "pipedrive" => SourceClass::System,
        _ if bulk => SourceClass::Bulk,
        _ => SourceClass::Unknown,
    }
}

/// The writer a change is attributed to in the checks: `human:ui`,
/// `human:mobile`, `human:bulk`, or `<class>:<client>` where the client is the
/// product token of the user agent (`forecastbot/3.2 (+…)` → `forecastbot`).
pub fn source_key(class: SourceClass, detail: Option<&str>, raw: Option<&str>) -> String {
    match class {
        SourceClass::HumanUi => "human:ui".to_owned(),
        SourceClass::HumanMobile => "human:mobile".to_owned(),
        SourceClass::Bulk => "human:bulk".to_owned(),
        _ => {
            let client = detail.and_then(product_token).or_else(|| raw.and_then(product_token));
            match client {
                Some(client) => format!("{}:{client}", class.as_str()),
                None => class.as_str().to_owned(),
            }
        },
    }
}

/// First token of a user agent, lower-cased, without its version.
fn product_token(agent: &str) -> Option<String> {
    let token = agent.split([' ', '/', ';', '(']).find(|t| !t.is_empty())?;
    let token = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    (!token.is_empty()).then(|| token.to_ascii_lowercase())
}

/// How a deal was born, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreationClass {
    /// Typed in by a person.
    Manual,
    /// File import.
    Import,
    /// API client.
    Api,
    /// Named integration or marketplace app.
    Integration,
    /// Workflow automation.
    Automation,
    /// Web form.
    WebForm,
    /// Chatbot or live chat.
    Chat,
    /// Marketplace.
    Marketplace,
    /// Prospecting and lead suggestions.
    Prospecting,
    /// Not known.
    Unknown,
}

impl CreationClass {
    /// Stable name stored in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            CreationClass::Manual => "manual",
            CreationClass::Import => "import",
            CreationClass::Api => "api",
            CreationClass::Integration => "integration",
            CreationClass::Automation => "automation",
            CreationClass::WebForm => "web_form",
            CreationClass::Chat => "chat",
            CreationClass::Marketplace => "marketplace",
            CreationClass::Prospecting => "prospecting",
            CreationClass::Unknown => "unknown",
        }
    }

    /// Normalises a Pipedrive `origin` option (or its label).
    pub fn from_pipedrive_origin(origin: Option<&str>) -> CreationClass {
        let norm: String = origin
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match norm.as_str() {
            "manuallycreated" | "manual" | "app" | "mobile" => CreationClass::Manual,
            "import" => CreationClass::Import,
            "api" => CreationClass::Api,
            "automation" | "workflowautomation" => CreationClass::Automation,
            "webforms" | "webform" => CreationClass::WebForm,
            "chatbot" | "livechat" | "messaginginbox" => CreationClass::Chat,
            "marketplace" => CreationClass::Marketplace,
            "prospector" | "leadsuggestion" | "leadsuggestions" | "webvisitors"
            | "websitevisitors" | "campaigns" | "leadbooster" => CreationClass::Prospecting,
            _ => CreationClass::Unknown,
        }
    }

    /// The change source a creation of this class counts as, for checks that
    /// look at deal creation when the change log has no creation row.
    pub fn as_source_class(self) -> SourceClass {
        match self {
            CreationClass::Manual => SourceClass::HumanUi,
            CreationClass::Import => SourceClass::Import,
            CreationClass::Api => SourceClass::Api,
            CreationClass::Automation => SourceClass::Automation,
            CreationClass::Unknown => SourceClass::Unknown,
            _ => SourceClass::Integration,
        }
    }
}

/// Kind of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// Meeting.
    Meeting,
    /// Call.
    Call,
    /// Task or deadline.
    Task,
    /// Email.
    Email,
    /// Note.
    Note,
    /// Anything else (lunch, custom types).
    Other,
}

impl ActivityKind {
    /// Stable name stored in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Meeting => "meeting",
            ActivityKind::Call => "call",
            ActivityKind::Task => "task",
            ActivityKind::Email => "email",
            ActivityKind::Note => "note",
            ActivityKind::Other => "other",
        }
    }

    /// Normalises an activity type key or label.
    pub fn from_type(raw: Option<&str>) -> ActivityKind {
        let raw = raw.unwrap_or("").trim().to_ascii_lowercase();
        match raw.as_str() {
            "meeting" | "event" | "demo" => ActivityKind::Meeting,
            "call" | "phone" => ActivityKind::Call,
            "task" | "deadline" | "todo" => ActivityKind::Task,
            "email" | "mail" => ActivityKind::Email,
            "note" => ActivityKind::Note,
            _ => ActivityKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_actions_api_is_a_human_bulk_edit() {
        let class = classify_pipedrive(Some("api"), Some("bulk-actions-api"), None, false);
        assert_eq!(class, SourceClass::Bulk);
        assert_eq!(source_key(class, Some("bulk-actions-api"), Some("api")), "human:bulk");
    }

    #[test]
    fn api_writes_are_keyed_by_client() {
        let class = classify_pipedrive(Some("api"), Some("forecastbot/3.2 (+x)"), None, false);
        assert_eq!(class, SourceClass::Api);
        assert_eq!(source_key(class, Some("forecastbot/3.2 (+x)"), None), "api:forecastbot");
        let browser = "Mozilla/5.0 (X11; Linux x86_64)";
        let ui = classify_pipedrive(Some("app"), Some(browser), Some("app"), false);
        assert_eq!(source_key(ui, Some(browser), None), "human:ui");
    }

    #[test]
    fn unknown_sources_stay_unknown() {
        assert_eq!(classify_pipedrive(Some("zap"), None, None, false), SourceClass::Unknown);
        assert_eq!(source_key(SourceClass::Unknown, None, Some("zap")), "unknown:zap");
    }
}
