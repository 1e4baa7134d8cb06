// The queue: returns in a status, oldest first (the API's order), a page at a time with the
// API's nextToken, filtered by age. Oldest first makes "older than" a cut of the pages: once a
// page reaches returns younger than the cut, no later page can hold an older one.
import * as api from "../api.js";
import { errorNotice } from "../errors.js";
import { focusHeading, h, uid } from "../dom.js";
import { STATUS, age, money, plural, reasonText, timeAgo } from "../format.js";

export const QUEUES = [
  { status: "PENDING_REVIEW", label: "Pending review" },
  { status: "PENDING_DAMAGE_REVIEW", label: "Damage review" },
  { status: "REFUND_FAILED", label: "Failed refunds" },
  { status: "AWAITING_CUSTOMER", label: "Waiting for the customer" },
];
const OTHER_STATUSES = [
  "REQUESTED",
  "AWAITING_RECEIPT",
  "REFUNDING",
  "REFUNDED",
  "REJECTED",
  "CANCELLED",
  "EXPIRED",
  "RETURNED_TO_CUSTOMER",
];
export const AGES = [
  { value: "", label: "Any age", seconds: 0 },
  { value: "1h", label: "Older than 1 hour", seconds: 3600 },
  { value: "24h", label: "Older than 24 hours", seconds: 86400 },
  { value: "48h", label: "Older than 48 hours", seconds: 172800 },
  { value: "7d", label: "Older than 7 days", seconds: 604800 },
];
const PAGE_SIZE = 25;
const COUNT_LIMIT = 100;

export function queueHref(status, ageValue, after) {
  const query = new URLSearchParams({ status });
  if (ageValue) query.set("age", ageValue);
  if (after) query.set("after", after);
  return `#/queue?${query}`;
}

function tabs(current, ageValue) {
  const list = h("ul", { class: "tabs", "aria-label": "Queues" });
  for (const queue of QUEUES) {
    const count = h("span", { class: "count", "data-count-for": queue.status }, "");
    list.append(
      h(
        "li",
        null,
        h(
          "a",
          { href: queueHref(queue.status, ageValue), "aria-current": queue.status === current ? "page" : null },
          queue.label,
          " ",
          count,
        ),
      ),
    );
    // How many wait, up to a page of 100 (more shows as "100+"); failures leave the count out.
    api
      .get("/cs/returns", { status: queue.status, limit: COUNT_LIMIT })
      .then((page) => {
        count.textContent = `(${page.items.length}${page.nextToken ? "+" : ""})`;
      })
      .catch(() => {});
  }
  list.append(h("li", null, h("a", { href: "#/cancellations?status=REFUND_FAILED" }, "Cancellations")));
  return list;
}

function filters(status, ageValue) {
  const statusId = uid("queue-status");
  const ageId = uid("queue-age");
  const statusSelect = h(
    "select",
    { id: statusId, name: "status" },
    h(
      "optgroup",
      { label: "Waiting for CS or the customer" },
      QUEUES.map((q) => h("option", { value: q.status, selected: q.status === status }, STATUS[q.status][0])),
    ),
    h(
      "optgroup",
      { label: "Other statuses" },
      OTHER_STATUSES.map((s) => h("option", { value: s, selected: s === status }, STATUS[s][0])),
    ),
  );
  const ageSelect = h(
    "select",
    { id: ageId, name: "age" },
    AGES.map((a) => h("option", { value: a.value, selected: a.value === ageValue }, a.label)),
  );
  return h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Filter the queue",
      onsubmit: (event) => {
        event.preventDefault();
        window.location.hash = queueHref(statusSelect.value, ageSelect.value);
      },
    },
    h("div", null, h("label", { for: statusId }, "Status"), statusSelect),
    h("div", null, h("label", { for: ageId }, "Age (since asked for)"), ageSelect),
    h("button", { type: "submit" }, "Show"),
  );
}

function unitsOf(item) {
  return item.lines.reduce((sum, line) => sum + line.quantity, 0);
}

/** When the return entered the status it is in (its last history entry with that status). */
function sinceOf(item) {
  const entries = item.history.filter((entry) => entry.status === item.status);
  return entries.length ? entries[entries.length - 1].at : item.updatedAt;
}

function row(item) {
  const quote = item.quote;
  return h(
    "tr",
    { "data-return-id": item.returnId },
    h("td", { class: "id" }, h("a", { href: `#/returns/${encodeURIComponent(item.returnId)}` }, h("span", { class: "mono" }, item.returnId))),
    h("td", { class: "id" }, h("span", { class: "mono" }, item.orderId)),
    h("td", null, item.customerId),
    h("td", null, reasonText(item.reason)),
    h("td", { class: "num" }, `${plural(item.lines.length, "line")}, ${plural(unitsOf(item), "unit")}`),
    h("td", { class: "num" }, quote ? money(quote.refundAmount, quote.currency) : "—"),
    h("td", null, timeAgo(item.createdAt)),
    h("td", null, age(sinceOf(item))),
  );
}

export async function queuePage(view, params) {
  const status = STATUS[params.get("status")] ? params.get("status") : "PENDING_REVIEW";
  const ageValue = AGES.some((a) => a.value === params.get("age")) ? params.get("age") || "" : "";
  const after = params.get("after");
  const heading = h("h1", null, "Returns queue");
  const results = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "Loading…"));
  view.append(
    heading,
    tabs(status, ageValue),
    filters(status, ageValue),
    h("section", { class: "card", "aria-labelledby": "queue-results" }, h("h2", { id: "queue-results" }, `${STATUS[status][0]}, oldest first`), results),
  );
  focusHeading(heading);

  let page;
  try {
    page = await api.get("/cs/returns", { status, limit: PAGE_SIZE, nextToken: after });
  } catch (error) {
    results.replaceChildren(errorNotice(error, "This page of the queue"));
    return;
  }
  const cutSeconds = (AGES.find((a) => a.value === ageValue) || AGES[0]).seconds;
  const cutoff = Date.now() - cutSeconds * 1000;
  const shown = cutSeconds ? page.items.filter((item) => new Date(item.createdAt).getTime() <= cutoff) : page.items;
  const reachedYounger = cutSeconds && shown.length < page.items.length;
  const nextToken = reachedYounger ? null : page.nextToken;

  const pieces = [];
  if (!shown.length) {
    const ageWords = cutSeconds ? ` ${AGES.find((a) => a.value === ageValue).label.toLowerCase()}` : "";
    pieces.push(h("p", null, after ? `No more returns${ageWords} in this status.` : `No returns${ageWords} are ${STATUS[status][0].toLowerCase()}.`));
  } else {
    pieces.push(
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "queue-table" },
          h("caption", { class: "visually-hidden" }, `Returns ${STATUS[status][0].toLowerCase()}, oldest first`),
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["Return", "Order", "Customer", "Reason"].map((text) => h("th", { scope: "col" }, text)),
              h("th", { scope: "col", class: "num" }, "Items"),
              h("th", { scope: "col", class: "num" }, "Refund (quote)"),
              h("th", { scope: "col" }, "Asked for"),
              h("th", { scope: "col" }, "In this status for"),
            ),
          ),
          h("tbody", null, shown.map(row)),
        ),
      ),
    );
  }
  const pager = h("nav", { class: "pager", "aria-label": "Queue pages" });
  if (after) pager.append(h("a", { href: queueHref(status, ageValue) }, "First page"));
  if (nextToken) pager.append(h("a", { class: "button secondary", href: queueHref(status, ageValue, nextToken) }, "Next page"));
  if (pager.childElementCount) pieces.push(pager);
  results.replaceChildren(...pieces);
}
