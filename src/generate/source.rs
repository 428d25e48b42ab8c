//! Who wrote a change and through what: the integrations (each with its own actor user, user
//! agent, fault and expected verdict) and the provenance fields of a Pipedrive flow row
//! (`change_source`, `change_source_user_agent`, `origin`, `origin_id`, `is_bulk_update_flag`).

use super::names::{BROWSER_UAS, MOBILE_UAS};
use super::rng::hash3;

/// User id of the sales manager (also the owner of the stage automation).
pub(super) const MANAGER_ID: u32 = 1;
/// User id of the first integration user; the others follow in [`Integration::ALL`] order.
pub(super) const FIRST_INTEGRATION_USER: u32 = 15;

/// The integrations writing into the CRM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Integration {
    /// Pushes close dates later at month end (fault 1).
    ForecastBot,
    /// Marketing lead sync that creates duplicate deals and persons (fault 2).
    LeadSync,
    /// Zapier zaps that retry without idempotency (fault 4).
    Zapier,
    /// Overwrites the deal's marketing channel days after creation (fault 5).
    AttributionSync,
    /// Syncs deal values from billing and once goes silent (fault 6).
    BillingSync,
    /// Clean Google calendar sync.
    GoogleCalendar,
    /// Outlook calendar connector with time-zone bugs (fault 3).
    OutlookCalendar,
    /// Workflow automation moving stages from the rollout date (fault 7).
    StageAutomation,
}

/// Static facts about one integration.
pub(super) struct IntegrationInfo {
    /// Display name (labels and the integration user's name).
    pub name: &'static str,
    /// Short id used as `origin_id`.
    pub slug: &'static str,
    /// `change_source` of its writes.
    pub change_source: &'static str,
    /// `change_source_user_agent` of its writes.
    pub user_agent: Option<&'static str>,
    /// The injected fault (label text).
    pub fault: &'static str,
    /// What a correct integration scorecard should conclude.
    pub verdict: &'static str,
}

impl Integration {
    /// All integrations, in user-id order.
    pub(super) const ALL: [Self; 8] = [
        Self::ForecastBot,
        Self::LeadSync,
        Self::Zapier,
        Self::AttributionSync,
        Self::BillingSync,
        Self::GoogleCalendar,
        Self::OutlookCalendar,
        Self::StageAutomation,
    ];

    /// Static facts.
    pub(super) fn info(self) -> &'static IntegrationInfo {
        &INFOS[self as usize]
    }

    /// User id its writes are attributed to. The stage automation runs as the manager who built
    /// it, as Pipedrive workflow automations do; every other integration has its own user.
    pub(super) fn actor(self) -> u32 {
        match self {
            Self::StageAutomation => MANAGER_ID,
            other => FIRST_INTEGRATION_USER + other as u32,
        }
    }

    /// Whether the integration has a user of its own.
    pub(super) fn has_own_user(self) -> bool {
        self != Self::StageAutomation
    }
}

const INFOS: [IntegrationInfo; 8] = [
    IntegrationInfo {
        name: "ForecastBot",
        slug: "forecastbot",
        change_source: "api",
        user_agent: Some("forecastbot/3.2"),
        fault: "month_end_close_date_nudges",
        verdict: "abandon",
    },
    IntegrationInfo {
        name: "LeadSync Connector",
        slug: "leadsync",
        change_source: "api",
        user_agent: Some("leadsync-connector/1.4"),
        fault: "duplicate_deals_and_persons",
        verdict: "abandon",
    },
    IntegrationInfo {
        name: "Zapier Integration",
        slug: "zapier",
        change_source: "api",
        user_agent: Some("Zapier"),
        fault: "repeated_writes_on_retry",
        verdict: "fix",
    },
    IntegrationInfo {
        name: "Attribution Sync",
        slug: "attribution-sync",
        change_source: "api",
        user_agent: Some("attribution-sync/2.0"),
        fault: "attribution_overwrite",
        verdict: "fix",
    },
    IntegrationInfo {
        name: "Billing Sync",
        slug: "billing-sync",
        change_source: "api",
        user_agent: Some("billing-sync/5.1"),
        fault: "sync_gap",
        verdict: "fix",
    },
    IntegrationInfo {
        name: "Google Calendar Sync",
        slug: "google-calendar",
        change_source: "api",
        user_agent: Some("google-calendar-sync/1.0"),
        fault: "none",
        verdict: "keep",
    },
    IntegrationInfo {
        name: "Outlook Calendar Connector",
        slug: "outlook-calendar",
        change_source: "api",
        user_agent: Some("outlook-connector/4.7"),
        fault: "timestamp_drift",
        verdict: "replace",
    },
    IntegrationInfo {
        name: "Stage automation",
        slug: "workflow-stage-automation",
        change_source: "automation",
        user_agent: None,
        fault: "rollout_stages_faster_outcomes_not_better",
        verdict: "fix",
    },
];

/// The channel a write came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Via {
    /// Web app, with the index of the browser user agent.
    App(u8),
    /// Mobile app, with the index of the mobile user agent.
    Mobile(u8),
    /// A human bulk edit from the list view, with its batch number.
    Bulk(u32),
    /// A spreadsheet import, with its batch number.
    Import(u32),
    /// A web form submission, with the form number.
    WebForm(u8),
    /// An integration.
    Integration(Integration),
}

/// Who wrote a change and through what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Prov {
    /// User id the write is attributed to.
    pub actor: u32,
    /// Channel.
    pub via: Via,
}

impl Prov {
    /// A write by an integration through its own actor user.
    pub(super) fn integration(integration: Integration) -> Self {
        Self { actor: integration.actor(), via: Via::Integration(integration) }
    }

    /// Whether a human made the write in the web or mobile app.
    pub(super) fn is_human_ui(&self) -> bool {
        matches!(self.via, Via::App(_) | Via::Mobile(_))
    }

    /// Flow `change_source`.
    pub(super) fn change_source(&self) -> &'static str {
        match self.via {
            Via::App(_) => "app",
            Via::Mobile(_) => "mobile",
            Via::Bulk(_) | Via::Import(_) | Via::WebForm(_) => "api",
            Via::Integration(i) => i.info().change_source,
        }
    }

    /// Flow `change_source_user_agent`.
    pub(super) fn user_agent(&self) -> Option<&'static str> {
        match self.via {
            Via::App(i) => Some(BROWSER_UAS[usize::from(i) % BROWSER_UAS.len()]),
            Via::Mobile(i) => Some(MOBILE_UAS[usize::from(i) % MOBILE_UAS.len()]),
            Via::Bulk(_) => Some("bulk-actions-api"),
            Via::Import(_) => Some("pipedrive-importer"),
            Via::WebForm(_) => Some("pipedrive-webforms"),
            Via::Integration(i) => i.info().user_agent,
        }
    }

    /// Flow `origin`.
    pub(super) fn origin(&self) -> &'static str {
        match self.via {
            Via::App(_) => "app",
            Via::Mobile(_) => "mobile",
            Via::Bulk(_) => "bulkAction",
            Via::Import(_) => "import",
            Via::WebForm(_) => "webForms",
            Via::Integration(i) if i.info().change_source == "automation" => "automation",
            Via::Integration(_) => "api",
        }
    }

    /// Flow `origin_id`.
    pub(super) fn origin_id(&self) -> Option<String> {
        match self.via {
            Via::App(_) | Via::Mobile(_) => None,
            Via::Bulk(batch) => Some(bulk_batch_id(batch)),
            Via::Import(batch) => Some(format!("import-{batch}")),
            Via::WebForm(form) => Some(format!("webform-{form}")),
            Via::Integration(i) => Some(i.info().slug.to_owned()),
        }
    }

    /// Flow `is_bulk_update_flag`.
    pub(super) fn bulk_flag(&self) -> Option<u8> {
        matches!(self.via, Via::Bulk(_)).then_some(1)
    }
}

/// The batch id Pipedrive gives a bulk edit (24 hex digits, stable per batch number).
pub(super) fn bulk_batch_id(batch: u32) -> String {
    let a = hash3(u64::from(batch), 0xB01C, 1);
    let b = hash3(u64::from(batch), 0xB01C, 2);
    format!("{a:016x}{:08x}", b >> 32)
}
