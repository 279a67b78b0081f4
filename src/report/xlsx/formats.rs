//! The workbook's formats: headers, labels, category colours, and money by currency units,
//! style and whether a value is finer than its units; and how an amount is written (a number
//! where a double holds it exactly, else its exact text).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Color, Format, FormatBorder, Worksheet, XlsxError};

use crate::matching::Category;
use crate::report::layout;

pub(super) struct Formats {
    pub(super) title: Format,
    pub(super) header: Format,
    /// A header whose words wrap inside its column, for a table stacked under another that
    /// sets the column widths (its long headers must not run over the next column).
    pub(super) header_wrap: Format,
    pub(super) label: Format,
    /// Money by decimals shown (a currency's minor units), style and whether the value is
    /// finer than those units: see [`Formats::money_for`].
    pub(super) money: Vec<Format>,
    pub(super) integer: Format,
    pub(super) percent: Format,
    pub(super) datetime: Format,
    pub(super) date: Format,
    pub(super) hl_text: Format,
    /// Long text (a finding's words), wrapped within its column rather than across the page.
    pub(super) wrap: Format,
    pub(super) hl_datetime: Format,
    pub(super) hl_date: Format,
    pub(super) total_label: Format,
    pub(super) total_integer: Format,
    pub(super) categories: BTreeMap<Category, Format>,
    /// A group's match id, in one of two tints alternating from group to group, with a bar on
    /// the left: a group's rows stand out together and the next group is told apart.
    pub(super) group: [Format; 2],
    /// The printed page header: the report, its period and run (see [`page_setup`]).
    pub(super) page_header: String,
    /// Excel's paper code (see [`Input::paper`]).
    pub(super) paper: u8,
}

pub(super) const HIGHLIGHT: u32 = 0xFFF2CC;

impl Formats {
    pub(super) fn new() -> Formats {
        let hl = |f: Format| {
            f.set_background_color(Color::RGB(HIGHLIGHT))
                .set_font_color(Color::RGB(0x9C0006))
                .set_bold()
        };
        let total = |f: Format| f.set_bold().set_border_top(FormatBorder::Thin);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F4E78))
                .set_font_color(Color::White)
                .set_border_bottom(FormatBorder::Thin),
            header_wrap: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x1F4E78))
                .set_font_color(Color::White)
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(rust_xlsxwriter::FormatAlign::Top),
            label: Format::new().set_bold(),
            money: (0..=MAX_UNITS)
                .flat_map(|units| {
                    MoneyStyle::ALL
                        .into_iter()
                        .flat_map(move |style| [false, true].map(|fine| (units, style, fine)))
                })
                .map(|(units, style, fine)| {
                    let mut f = Format::new().set_num_format(money_number_format(units, fine));
                    f = match style {
                        MoneyStyle::Plain | MoneyStyle::Sum => f,
                        MoneyStyle::Highlight => hl(f),
                        MoneyStyle::Total => total(f),
                    };
                    // The warning is for a single value finer than its currency's units; a sum
                    // of such values shows its decimals in the plain colour.
                    if fine && matches!(style, MoneyStyle::Plain | MoneyStyle::Highlight) {
                        f = f.set_italic().set_font_color(Color::RGB(FINE_COLOUR));
                    }
                    f
                })
                .collect(),
            integer: Format::new().set_num_format("#,##0"),
            percent: Format::new().set_num_format("0.00%"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            hl_text: hl(Format::new()),
            wrap: Format::new().set_text_wrap(),
            hl_datetime: hl(Format::new().set_num_format("yyyy-mm-dd hh:mm:ss")),
            hl_date: hl(Format::new().set_num_format("yyyy-mm-dd")),
            total_label: total(Format::new()),
            total_integer: total(Format::new().set_num_format("#,##0")),
            categories: Category::ALL
                .iter()
                .map(|c| {
                    (
                        *c,
                        Format::new()
                            .set_background_color(Color::RGB(layout::category_colour(*c)))
                            .set_border(FormatBorder::Thin),
                    )
                })
                .collect(),
            group: [0xDDEBF7, 0xE2EFDA].map(|tint| {
                Format::new()
                    .set_background_color(Color::RGB(tint))
                    .set_border_left(FormatBorder::Thick)
                    .set_border_left_color(Color::RGB(0x1F4E78))
            }),
            page_header: String::new(),
            paper: 9,
        }
    }

    /// The format for `value` in `currency`: the currency's ISO 4217 minor units (USD 2, JPY 0,
    /// BHD 3); a value with more decimals shows them all, in italic orange, so it is seen and
    /// never rounded away. The cell always holds the exact value.
    pub(super) fn money_for(
        &self,
        currency: Option<&str>,
        value: Decimal,
        highlight: bool,
        total: bool,
    ) -> &Format {
        let style = if total {
            MoneyStyle::Total
        } else if highlight {
            MoneyStyle::Highlight
        } else {
            MoneyStyle::Plain
        };
        self.money_in(currency, value, style)
    }

    fn money_in(&self, currency: Option<&str>, value: Decimal, style: MoneyStyle) -> &Format {
        let units = crate::money::display_units(currency.unwrap_or("")).min(MAX_UNITS);
        let fine = value.normalize().scale() > units;
        let index =
            ((units as usize) * MoneyStyle::ALL.len() + style as usize) * 2 + usize::from(fine);
        &self.money[index.min(self.money.len() - 1)]
    }

    /// Writes a sum of amounts (a grid cell, a roll-forward figure, a day's total): its
    /// decimals shown in full like any amount, but not flagged as finer than the currency's
    /// units, since a sum of many values is not one value the provider sent.
    pub(super) fn write_sum(
        &self,
        ws: &mut Worksheet,
        (row, col): (u32, u16),
        value: Decimal,
        currency: Option<&str>,
    ) -> std::result::Result<(), XlsxError> {
        let format = self.money_in(currency, value, MoneyStyle::Sum);
        write_money(ws, row, col, value, currency, format)
    }
}

impl Formats {
    /// Writes an amount of `currency` in its money format ([`Formats::money_for`]), as a number
    /// or, past a double's digits, as exact text ([`write_money`]).
    pub(super) fn write_amount(
        &self,
        ws: &mut Worksheet,
        (row, col): (u32, u16),
        value: Decimal,
        currency: Option<&str>,
        highlight: bool,
        total: bool,
    ) -> std::result::Result<(), XlsxError> {
        let format = self.money_for(currency, value, highlight, total);
        write_money(ws, row, col, value, currency, format)
    }
}

/// The most decimals a currency's units have (ISO 4217's largest is 4).
const MAX_UNITS: u32 = 4;

/// The font colour of amounts finer than their currency's units.
pub(super) const FINE_COLOUR: u32 = 0x9C5700;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MoneyStyle {
    Plain = 0,
    Highlight = 1,
    /// Bold with a rule above; a total is a sum, so never flagged as finer than its units.
    Total = 2,
    /// A sum in a plain cell.
    Sum = 3,
}

impl MoneyStyle {
    const ALL: [MoneyStyle; 4] = [
        MoneyStyle::Plain,
        MoneyStyle::Highlight,
        MoneyStyle::Total,
        MoneyStyle::Sum,
    ];
}

/// `#,##0.00` for two units; a fine value shows up to the eight places money is held to.
fn money_number_format(units: u32, fine: bool) -> String {
    let zeros = "0".repeat(units as usize);
    let hashes = if fine {
        "#".repeat((crate::money::SCALE - units) as usize)
    } else {
        String::new()
    };
    if zeros.is_empty() && hashes.is_empty() {
        "#,##0".to_string()
    } else {
        format!("#,##0.{zeros}{hashes}")
    }
}

/// Excel holds numbers as doubles. A decimal of at most 15 significant digits has a nearest
/// double that Excel shows and reads back as the same decimal; that double, or `None` for a
/// longer decimal (an amount of 16 to 28 digits, which cardrecon accepts, or a month's total of
/// such amounts), which no double stands for.
pub fn excel_number(d: Decimal) -> Option<f64> {
    const DOUBLE_DIGITS: u128 = 1_000_000_000_000_000; // 10^15
    if d.normalize().mantissa().unsigned_abs() >= DOUBLE_DIGITS {
        return None;
    }
    // Rust's float parsing rounds correctly to the nearest double.
    crate::money::format(d).parse::<f64>().ok()
}

/// Writes an amount: an Excel number where one stands for it exactly ([`excel_number`]), so
/// the sheet sums it; otherwise its exact decimal text as the page shows it (separators, the
/// currency's units, finer values whole), right-aligned in the same format. No figure on a
/// sheet is ever a rounded one.
pub(super) fn write_money(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    d: Decimal,
    currency: Option<&str>,
    format: &Format,
) -> std::result::Result<(), XlsxError> {
    match excel_number(d) {
        Some(n) => ws.write_number_with_format(row, col, n, format).map(|_| ()),
        None => {
            let text = match currency {
                Some(c) => crate::money::display(d, c).0,
                None => crate::money::format(d),
            };
            let right = format
                .clone()
                .set_align(rust_xlsxwriter::FormatAlign::Right);
            ws.write_string_with_format(row, col, text, &right)
                .map(|_| ())
        }
    }
}
