// Return analytics (contract section 9): the return rate by brand, category, SKU, seller or
// reason as a bar chart, the flagged rows marked, and the rows as CSV. The chart is an HTML
// table with bars drawn in CSS: the figures stay text a screen reader reads and a keyboard
// reaches, and nothing is vendored.
import * as api from "../api.js";
import { focusHeading, h, notice, uid } from "../dom.js";
import { errorNotice } from "../errors.js";
import { reasonText } from "../format.js";

export const GROUPS = [
  { value: "brand", label: "Brand" },
  { value: "category", label: "Category" },
  { value: "sku", label: "SKU" },
  { value: "sellerId", label: "Seller" },
  { value: "reason", label: "Reason" },
];
const DAY_MS = 86400000;
const FIRST_ROWS = 40;

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** The default period: the last 30 UTC days, today included. */
function defaultPeriod(now = new Date()) {
  return { from: isoDay(new Date(now.getTime() - 29 * DAY_MS)), to: isoDay(now) };
}

export function analyticsHref(groupBy, from, to) {
  return `#/analytics?${new URLSearchParams({ groupBy, from, to })}`;
}

/** "0.0700" → "7.00%": a rate string shown as a percentage, by moving the decimal point (text,
 * no float arithmetic on what the API computed). */
export function percent(rate) {
  const match = /^(\d+)\.(\d{4})$/.exec(String(rate));
  if (!match) return String(rate);
  const whole = String(Number(match[1]) * 100 + Number(match[2].slice(0, 2)));
  return `${whole}.${match[2].slice(2)}%`;
}

function keyWords(groupBy, key) {
  if (groupBy === "reason") return reasonText(key);
  if (groupBy === "sellerId" && key === "platform") return "platform (B2C)";
  return key;
}

function reasons(byReason) {
  return Object.entries(byReason || {})
    .map(([reason, units]) => `${reason} ${units}`)
    .join(", ");
}

function refunded(list) {
  return (list || []).map((r) => `${r.amount} ${r.currency}`).join(", ") || "—";
}

function form(groupBy, from, to) {
  const groupId = uid("group-by");
  const fromId = uid("from");
  const toId = uid("to");
  const group = h(
    "select",
    { id: groupId, name: "groupBy" },
    GROUPS.map((g) => h("option", { value: g.value, selected: g.value === groupBy }, g.label)),
  );
  const fromInput = h("input", { type: "date", id: fromId, name: "from", value: from, required: true });
  const toInput = h("input", { type: "date", id: toId, name: "to", value: to, required: true });
  return h(
    "form",
    {
      class: "filters",
      "aria-label": "Which returns",
      onsubmit: (event) => {
        event.preventDefault();
        window.location.hash = analyticsHref(group.value, fromInput.value, toInput.value);
      },
    },
    h("div", null, h("label", { for: groupId }, "Group by"), group),
    h("div", null, h("label", { for: fromId }, "Delivered from (UTC)"), fromInput),
    h("div", null, h("label", { for: toId }, "to (included)"), toInput),
    h("button", { type: "submit" }, "Show"),
  );
}

/** The merchant-fault part of a row's bar, as a share of the bar. */
function merchantShare(row) {
  const rate = Number(row.returnRate);
  return rate > 0 ? `${((Number(row.merchantFaultRate) / rate) * 100).toFixed(2)}%` : "0%";
}

/** Bars scaled to the highest return rate shown (rates are exact strings; the widths only need
 * to look right, so reading them as numbers is fine here). */
function chart(report, rows) {
  const rates = rows.map((row) => Number(row.returnRate));
  const top = Math.max(Number(report.overall.returnRate), ...rates, 0.0001);
  const width = (rate) => `${Math.min(100, (Number(rate) / top) * 100).toFixed(2)}%`;
  const overallAt = width(report.overall.returnRate);
  const body = rows.map((row) =>
    h(
      "tr",
      { class: row.flagged ? "flagged" : null, "data-key": row.key },
      h(
        "th",
        { scope: "row" },
        keyWords(report.groupBy, row.key),
        row.flagged ? h("span", { class: "flag" }, " ⚑ flagged") : null,
      ),
      h(
        "td",
        { class: "bar-cell" },
        h(
          "div",
          { class: "bar-track", "aria-hidden": "true" },
          h(
            "div",
            { class: "bar", style: { width: width(row.returnRate) } },
            h("div", { class: "bar-merchant", style: { width: merchantShare(row) } }),
          ),
          h("div", { class: "overall-line", style: { left: overallAt } }),
        ),
      ),
      h("td", { class: "num" }, percent(row.returnRate)),
      h("td", { class: "num" }, percent(row.merchantFaultRate)),
      h("td", { class: "num" }, `${row.unitsReturned} / ${row.unitsSold}`),
      h("td", { class: "small" }, reasons(row.byReason)),
      h("td", { class: "num" }, refunded(row.refunded)),
      h("td", { class: "num" }, row.medianHoursToRefund === null ? "—" : row.medianHoursToRefund),
    ),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "analytics-chart", class: "chart" },
      h("caption", null, `Return rate by ${GROUPS.find((g) => g.value === report.groupBy).label.toLowerCase()}, most units returned first`),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { scope: "col" }, GROUPS.find((g) => g.value === report.groupBy).label),
          h("th", { scope: "col" }, "Return rate"),
          h("th", { scope: "col", class: "num" }, "Returned"),
          h("th", { scope: "col", class: "num" }, "Merchant fault"),
          h("th", { scope: "col", class: "num" }, "Units back / sold"),
          h("th", { scope: "col" }, "By reason (units)"),
          h("th", { scope: "col", class: "num" }, "Refunded"),
          h("th", { scope: "col", class: "num" }, "Median hours to refund"),
        ),
      ),
      h("tbody", null, body),
    ),
  );
}

function legend(report) {
  return h(
    "div",
    { class: "legend", id: "chart-legend" },
    h("span", null, h("span", { class: "swatch customer", "aria-hidden": "true" }), " customer choice"),
    h("span", null, h("span", { class: "swatch merchant", "aria-hidden": "true" }), " merchant fault"),
    h("span", null, h("span", { class: "swatch overall", "aria-hidden": "true" }), ` overall return rate ${percent(report.overall.returnRate)}`),
    h(
      "p",
      { class: "hint" },
      "⚑ flagged: at least 30 units sold and merchant-fault returns clearly above twice the overall merchant-fault rate (the lower bound of the 95% Wilson interval is above it). Never with Reason.",
    ),
  );
}

async function downloadCsv(button, groupBy, from, to, slot) {
  button.disabled = true;
  slot.replaceChildren();
  try {
    const text = await api.call("GET", "/cs/analytics/returns", { query: { from, to, groupBy }, accept: "text/csv" });
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const link = h("a", { href: url, download: `returns-by-${groupBy}-${from}-${to}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    slot.replaceChildren(errorNotice(error, "The analytics"));
  } finally {
    button.disabled = false;
  }
}

export async function analyticsPage(view, params) {
  const period = defaultPeriod();
  const groupBy = GROUPS.some((g) => g.value === params.get("groupBy")) ? params.get("groupBy") : "brand";
  const from = params.get("from") || period.from;
  const to = params.get("to") || period.to;
  const heading = h("h1", null, "Return analytics");
  const results = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "Computing…"));
  view.append(
    heading,
    h("p", { class: "hint" }, "Orders delivered in the period (UTC days) and their returns, as of now: which goods come back too often, and why."),
    form(groupBy, from, to),
    h("section", { class: "card", "aria-labelledby": "analytics-results" }, h("h2", { id: "analytics-results" }, `By ${GROUPS.find((g) => g.value === groupBy).label.toLowerCase()}, ${from} to ${to}`), results),
  );
  focusHeading(heading);

  let report;
  try {
    report = await api.get("/cs/analytics/returns", { from, to, groupBy });
  } catch (error) {
    results.replaceChildren(errorNotice(error, "The analytics"));
    return;
  }
  const overall = report.overall;
  const csvSlot = h("div");
  const csvButton = h("button", { type: "button", class: "secondary", id: "csv-download" }, "Download CSV");
  csvButton.addEventListener("click", () => downloadCsv(csvButton, groupBy, from, to, csvSlot));
  const summary = h(
    "p",
    { id: "analytics-overall" },
    `${overall.unitsSold} units sold, ${overall.unitsReturned} returned: `,
    h("strong", null, percent(overall.returnRate)),
    ` returned, ${percent(overall.merchantFaultRate)} for a merchant fault.`,
  );
  if (!report.rows.length) {
    results.replaceChildren(summary, h("p", null, "No units were sold in this period."));
    return;
  }
  const flaggedCount = report.rows.filter((row) => row.flagged).length;
  const pieces = [
    summary,
    flaggedCount
      ? notice("warn", h("p", null, `⚑ ${flaggedCount} flagged: returned for merchant faults well above the rest.`))
      : null,
    legend(report),
  ];
  const drawRows = (all) => {
    const rows = all ? report.rows : report.rows.slice(0, FIRST_ROWS);
    const more = report.rows.length - rows.length;
    const table = chart(report, rows);
    const showAll = more
      ? h("button", { type: "button", class: "secondary", onclick: () => holder.replaceChildren(...drawRows(true)) }, `Show all ${report.rows.length} rows`)
      : null;
    return showAll ? [table, showAll] : [table];
  };
  const holder = h("div", null, ...drawRows(false));
  pieces.push(holder, h("div", { class: "actions-row" }, csvButton), csvSlot);
  results.replaceChildren(...pieces.filter(Boolean));
}
