//! Word lists the generator composes names and texts from: personal names by region, company
//! name parts and legal suffixes, deal topics, activity subjects, note texts, lost reasons,
//! channels and the (deliberately short) user-agent strings.

/// Given names and family names of one naming region.
pub(super) struct NamePool {
    /// Given names.
    pub first: &'static [&'static str],
    /// Family names.
    pub last: &'static [&'static str],
}

/// English-speaking markets (US, UK, Australia).
pub(super) const ANGLO: NamePool = NamePool {
    first: &[
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
        "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
        "Sarah", "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
        "Mark", "Sandra", "Steven", "Ashley", "Andrew", "Emily", "Joshua", "Michelle", "Kevin",
        "Amanda", "Brian", "Melissa", "George", "Stephanie", "Timothy", "Rebecca", "Ryan", "Laura",
        "Jacob", "Rachel", "Nicholas", "Megan", "Eric", "Hannah", "Jonathan", "Olivia", "Samuel",
        "Grace", "Benjamin", "Chloe", "Nathan", "Emma", "Liam", "Sophie",
    ],
    last: &[
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
        "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
        "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Nelson",
        "Baker", "Hall", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans",
        "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers",
        "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Cox", "Ward",
        "Richardson", "Watson", "Brooks", "Wood", "Bennett", "Gray", "Hughes", "Price", "Sanders",
        "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell", "Sullivan",
    ],
};

/// German-speaking market.
pub(super) const GERMAN: NamePool = NamePool {
    first: &[
        "Lukas", "Anna", "Jonas", "Lea", "Leon", "Lena", "Finn", "Mia", "Paul", "Laura", "Felix",
        "Marie", "Maximilian", "Sophie", "Jürgen", "Katrin", "Stefan", "Sabine", "Matthias",
        "Julia", "Tobias", "Sarah", "Andreas", "Nicole", "Florian", "Claudia", "Sebastian", "Jana",
        "Thomas", "Birgit",
    ],
    last: &[
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
        "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
        "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze",
        "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
    ],
};

/// Indian market.
pub(super) const INDIAN: NamePool = NamePool {
    first: &[
        "Aarav", "Priya", "Vivaan", "Ananya", "Aditya", "Diya", "Arjun", "Isha", "Rohan", "Kavya",
        "Sai", "Meera", "Karan", "Neha", "Rahul", "Pooja", "Vikram", "Sneha", "Amit", "Divya",
        "Suresh", "Lakshmi", "Rajesh", "Anjali", "Sanjay", "Deepika", "Nikhil", "Riya", "Harish",
        "Shreya",
    ],
    last: &[
        "Sharma", "Verma", "Gupta", "Patel", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Menon",
        "Rao", "Joshi", "Mehta", "Shah", "Desai", "Kulkarni", "Chatterjee", "Banerjee",
        "Mukherjee", "Das", "Bose", "Ghosh", "Pillai", "Kapoor", "Malhotra", "Chopra", "Agarwal",
        "Bhat", "Naidu", "Pandey", "Mishra", "Tiwari", "Saxena", "Srinivasan", "Krishnan",
        "Subramanian", "Venkatesh", "Gill", "Sethi", "Khanna",
    ],
};

/// First halves of coined company names ("North" + "wind").
pub(super) const ORG_PREFIXES: [&str; 60] = [
    "North", "South", "East", "West", "Bright", "Silver", "Golden", "Blue", "Red", "Green", "Iron",
    "Copper", "Oak", "Pine", "Cedar", "Maple", "River", "Lake", "Sun", "Amber", "Moon", "Sky",
    "Cloud", "Rain", "Snow", "Frost", "Fire", "Thunder", "Ivory", "Harbor", "Clear", "Swift",
    "True", "Prime", "Nova", "Apex", "Vertex", "Summit", "Jade", "Onyx", "Cobalt", "High", "Deep",
    "Wide", "Far", "Black", "Alder", "Birch", "Hazel", "Willow", "Aspen", "Falcon", "Hawk",
    "Eagle", "Raven", "Wolf", "Fox", "Bear", "Lion", "Tiger",
];

/// Second halves of coined company names.
pub(super) const ORG_SUFFIXES: [&str; 40] = [
    "wind", "lane", "stone", "field", "bridge", "point", "gate", "wave", "path", "well", "brook",
    "wood", "ford", "haven", "view", "side", "line", "mark", "light", "works", "craft", "port",
    "vale", "crest", "shore", "ridge", "dale", "hill", "water", "spring", "star", "forge",
    "stream", "peak", "bay", "land", "rock", "leaf", "top", "way",
];

/// Industry words closing a company name.
pub(super) const ORG_INDUSTRIES: [&str; 48] = [
    "Logistics", "Analytics", "Systems", "Foods", "Health", "Energy", "Media", "Capital",
    "Robotics", "Labs", "Software", "Networks", "Consulting", "Engineering", "Manufacturing",
    "Pharma", "Retail", "Outfitters", "Properties", "Partners", "Biotech", "Security",
    "Solutions", "Dynamics", "Industries", "Holdings", "Ventures", "Studios", "Interactive",
    "Aerospace", "Marine", "Textiles", "Furniture", "Packaging", "Chemicals", "Insurance",
    "Financial", "Telecom", "Mobility", "Education", "Hospitality", "Construction", "Agritech",
    "Diagnostics", "Instruments", "Materials", "Electronics", "Motors",
];

/// Deal topics; consecutive deals of one organization cycle through them, so one organization
/// never gets two deals with the same topic close together by chance.
pub(super) const DEAL_TOPICS: [&str; 14] = [
    "CRM rollout",
    "Analytics add-on",
    "Support contract",
    "Data migration",
    "Security audit",
    "Training package",
    "Enterprise upgrade",
    "Consulting hours",
    "API integration",
    "Pilot project",
    "Hardware refresh",
    "Cloud hosting",
    "Onboarding services",
    "Team licenses",
];

/// Why deals are lost (the duplicate creator's duplicates use [`DUPLICATE_LOST_REASON`]).
pub(super) const LOST_REASONS: [&str; 7] = [
    "Price too high",
    "Went with competitor",
    "No budget",
    "No decision",
    "Bad timing",
    "Unresponsive",
    "Missing feature",
];

/// Lost reason reps give when they close a duplicate deal.
pub(super) const DUPLICATE_LOST_REASON: &str = "Duplicate deal";

/// Browser user agents of the web app, one preferred per rep (shortened real strings).
pub(super) const BROWSER_UAS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0",
    "Mozilla/5.0 (Macintosh) Safari/605.1",
    "Mozilla/5.0 (Windows NT 10.0) Edg/125.0",
    "Mozilla/5.0 (Macintosh) Firefox/127.0",
];

/// User agents of the mobile apps.
pub(super) const MOBILE_UAS: [&str; 2] = ["Pipedrive/9.12 (iPhone; iOS 17.5)", "Pipedrive/9.12 (Android 14)"];

/// Human notes: `{first}` is the contact's given name.
pub(super) const NOTE_TEXTS: [&str; 14] = [
    "Called, will send quote<br>",
    "Left voicemail, will try again Thursday<br>",
    "Spoke with {first}: budget approved for next quarter<br>",
    "Sent proposal v2 with updated pricing<br>",
    "<b>Next steps:</b> security review, then contract<br>",
    "{first} asked for a reference customer<br>",
    "Demo went well, 4 attendees<br>",
    "Procurement wants net-60 terms<br>",
    "Champion is moving teams, need a new sponsor<br>",
    "Competitor also shortlisted<br>",
    "Waiting on legal review<br>",
    "{first} out of office until next week<br>",
    "Pricing call booked with {first} and their CFO<br>",
    "Asked for a discount, offered 5% for a 2-year term<br>",
];

/// Subjects of human calls.
pub(super) const CALL_SUBJECTS: [&str; 4] =
    ["Discovery call", "Follow-up call", "Call with {first}", "Pricing call"];
/// Subjects of meetings.
pub(super) const MEETING_SUBJECTS: [&str; 4] =
    ["Product demo", "Meeting with {first} {last}", "Proposal review", "Onsite workshop"];
/// Subjects of emails.
pub(super) const EMAIL_SUBJECTS: [&str; 3] = ["Sent pricing", "Follow-up email", "Sent case study"];
/// Subjects of tasks.
pub(super) const TASK_SUBJECTS: [&str; 3] = ["Send proposal", "Prepare contract", "Update forecast"];
/// Short notes on activities.
pub(super) const ACTIVITY_NOTES: [&str; 5] = [
    "Discussed budget<br>",
    "Needs sign-off from IT<br>",
    "Shared the roadmap<br>",
    "Asked about SSO<br>",
    "Good fit, moving forward<br>",
];

/// Marketing channel option ids used on human-created deals, with the free-text ids reps type.
pub(super) const HUMAN_CHANNELS: [(u8, &str); 4] =
    [(1, "outbound-list"), (11, "partner-referral"), (12, "tradeshow-booth"), (2, "lead-suggestion")];
/// Channel option id for web forms.
pub(super) const CHANNEL_WEB_FORMS: u8 = 3;
/// Channel option id for chatbot leads.
pub(super) const CHANNEL_CHATBOT: u8 = 4;
/// Channel option id for live chat leads.
pub(super) const CHANNEL_LIVE_CHAT: u8 = 5;
/// Channel option id for campaigns.
pub(super) const CHANNEL_CAMPAIGNS: u8 = 7;
/// Channel option id for paid search (what the attribution sync rewrites channels to).
pub(super) const CHANNEL_PAID_SEARCH: u8 = 10;
