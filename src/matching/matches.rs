//! What the passes decide, row by row: pairs (and how each was made), groups, and the loose
//! candidates of what stays unmatched. Every pass reads and extends one [`Matches`].

/// How a pair was made: the `match_key` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum How {
    TxId,
    OrderId,
    /// A loose candidate, unique both ways (stage 6): for a person to confirm.
    Suggested,
    /// A pair a person confirmed in the store.
    Confirmed,
    /// Paired by the configured rule of this index (`ledger_rules`), unique both ways.
    Rule(u16),
    /// Suggested by the configured rule of this index (its action is `suggest`).
    RuleSuggested(u16),
    /// A line of the configured summary of this index and its records, by kind
    /// (`summaries`).
    Summary(u16),
    /// The same, for a summary of the day's net (not grouped by kind).
    SummaryNet(u16),
}

impl How {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            How::TxId => "tx_id",
            How::OrderId => "order_id",
            How::Suggested => "suggested",
            How::Confirmed => "confirmed",
            How::Rule(_) => "rule",
            How::RuleSuggested(_) => "rule_suggested",
            How::Summary(_) => "summary",
            How::SummaryNet(_) => "summary_net",
        }
    }
}

/// What the passes have decided so far, per input row of each side.
pub(super) struct Matches {
    /// A provider row's partner and how they were paired.
    pub(super) p_partner: Vec<Option<(u32, How)>>,
    /// A ledger row's partner (a provider row), or `u32::MAX`: the tx-id groups find the
    /// record paired with a ledger group's primary from the group, without a pass over all
    /// pairs.
    pub(super) l_partner: Vec<u32>,
    /// The group ([`Group`]) a row belongs to, or `u32::MAX`.
    pub(super) p_group: Vec<u32>,
    pub(super) l_group: Vec<u32>,
    pub(super) groups: Vec<Group>,
    /// Loose candidates of rows left unmatched because there were several (stage 6).
    pub(super) p_candidates: hashbrown::HashMap<u32, u32>,
    pub(super) l_candidates: hashbrown::HashMap<u32, u32>,
    /// Rows a configured rule left unmatched for having several candidates: (rule, count).
    pub(super) p_rule_candidates: hashbrown::HashMap<u32, (u16, u32)>,
    pub(super) l_rule_candidates: hashbrown::HashMap<u32, (u16, u32)>,
    /// Summary lines with their records, and groups of records with no line
    /// (`summaries`); their rows are marked in `p_group`/`l_group` with [`SUMMED`].
    pub(super) summed: Vec<Summed>,
}

impl Matches {
    pub(super) fn new(p_len: usize, l_len: usize) -> Matches {
        Matches {
            p_partner: vec![None; p_len],
            l_partner: vec![u32::MAX; l_len],
            p_group: vec![u32::MAX; p_len],
            l_group: vec![u32::MAX; l_len],
            groups: Vec::new(),
            p_candidates: Default::default(),
            l_candidates: Default::default(),
            p_rule_candidates: Default::default(),
            l_rule_candidates: Default::default(),
            summed: Vec::new(),
        }
    }

    /// Undoes a pair (a group replaces it).
    pub(super) fn unpair(&mut self, p: u32, l: u32) {
        self.p_partner[p as usize] = None;
        self.l_partner[l as usize] = u32::MAX;
    }

    pub(super) fn pair(&mut self, p: u32, l: u32, how: How) {
        self.p_partner[p as usize] = Some((l, how));
        self.l_partner[l as usize] = p;
    }

    /// Whether a provider row is still free (neither paired nor grouped).
    pub(super) fn p_free(&self, p: u32) -> bool {
        self.p_partner[p as usize].is_none() && self.p_group[p as usize] == u32::MAX
    }

    pub(super) fn l_free(&self, l: u32) -> bool {
        self.l_partner[l as usize] == u32::MAX && self.l_group[l as usize] == u32::MAX
    }
}

/// The key a group was found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum On {
    TxId,
    OrderId,
}

impl On {
    pub(super) fn how(self) -> How {
        match self {
            On::TxId => How::TxId,
            On::OrderId => How::OrderId,
        }
    }
}

/// Several rows on one side matched with one on the other: exactly one of `p` and `l` has one
/// row. Rows are in input order.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) on: On,
    pub(super) p: Vec<u32>,
    pub(super) l: Vec<u32>,
    /// The several side's sum (units; the ledger's as magnitudes).
    pub(super) sum: i128,
}

impl Group {
    /// The group's rows as (provider, ledger) pairs: the one record with the first of the
    /// several, then each other member alone. Every record is in exactly one of them.
    pub(super) fn rows(&self) -> Vec<(Option<u32>, Option<u32>)> {
        let n = self.p.len().max(self.l.len());
        (0..n)
            .map(|i| (self.p.get(i).copied(), self.l.get(i).copied()))
            .collect()
    }

    /// The one record's side and row, to compare each member with.
    pub(super) fn one(&self) -> (Option<u32>, Option<u32>) {
        if self.p.len() == 1 {
            (Some(self.p[0]), None)
        } else {
            (None, Some(self.l[0]))
        }
    }
}

/// A line and the records it covers, or a group of records with no line.
#[derive(Debug, Clone)]
pub(super) struct Summed {
    /// The summary's index in the configuration.
    pub(super) summary: u16,
    pub(super) line: Option<u32>,
    /// The records, in input order.
    pub(super) records: Vec<u32>,
    /// The records' figure (units): a kind's sum, or the day's net, debits less credits; in
    /// the line's currency where `[fx]` converted it.
    pub(super) figure: i128,
    /// The line's amount in the figure's terms (`summaries::booked`).
    pub(super) booked: Option<i128>,
    /// Whether the line agrees with the figure.
    pub(super) agrees: bool,
    /// The tolerance it was judged by (units), when a difference was allowed.
    pub(super) tolerance: Option<i128>,
    /// Where `[fx]` converted records, in words; or why a group found no rate.
    pub(super) fx: Option<String>,
    /// The day, currency and kind of the group (a line's, or the records').
    pub(super) day: Option<i32>,
}

impl Summed {
    /// The difference the row shows: the records' figure − the line.
    pub(super) fn difference(&self) -> Option<i128> {
        self.booked.map(|b| self.figure - b)
    }
}

/// Marks a row as taken by summary group `i` (in `Matches::p_group`/`l_group`): the top bit
/// set, so it is never a group of stage 6 (those are indexed from 0) nor free.
pub(super) const SUMMED: u32 = 1 << 31;
