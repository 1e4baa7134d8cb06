// Cancellations before delivery (contract section 7): their queue by status, oldest first, one
// cancellation with its refund explained (the same engine as returns), retrying a failed refund,
// and an out-of-stock cancellation on the customer's behalf.
import * as api from "../api.js";
import { focus, focusHeading, h, notice, uid } from "../dom.js";
import { errorNotice } from "../errors.js";
import { STATUS, age, money, plural, reasonText, statusBadge, timeAgo } from "../format.js";
import { card, fieldError, formProblem, historyCard, itemWords, orderCard, paymentsCard, poll, refundCard, send } from "./detail.js";

export const CANCELLATION_QUEUES = [
  { status: "REFUND_FAILED", label: "Failed refunds" },
  { status: "AWAITING_FULFILMENT", label: "Awaiting fulfilment" },
  { status: "AWAITING_INTERCEPTION", label: "Awaiting interception" },
  { status: "FAILED", label: "Failed" },
  { status: "REFUNDING", label: "Refunding" },
  { status: "COMPLETED", label: "Completed" },
  { status: "REQUESTED", label: "Requested" },
];
/** Statuses that end without CS: the page looks again until they change (fulfilment and delivery
 * answer within their time limits). */
const MOVING = new Set(["REQUESTED", "AWAITING_FULFILMENT", "AWAITING_INTERCEPTION", "REFUNDING"]);
const PAGE_SIZE = 25;

export function cancellationsHref(status, after) {
  const query = new URLSearchParams({ status });
  if (after) query.set("after", after);
  return `#/cancellations?${query}`;
}

function cancellationHref(id) {
  return `#/cancellations/${encodeURIComponent(id)}`;
}

// -- the queue ----------------------------------------------------------------------------------
export async function cancellationsPage(view, params) {
  const known = CANCELLATION_QUEUES.map((q) => q.status);
  const status = known.includes(params.get("status")) ? params.get("status") : "REFUND_FAILED";
  const after = params.get("after");
  const heading = h("h1", null, "Cancellations before delivery");
  const tabs = h(
    "ul",
    { class: "tabs", "aria-label": "Cancellation queues" },
    CANCELLATION_QUEUES.map((queue) =>
      h("li", null, h("a", { href: cancellationsHref(queue.status), "aria-current": queue.status === status ? "page" : null }, queue.label)),
    ),
  );
  const results = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "Loading…"));
  view.append(
    heading,
    tabs,
    h("p", null, h("a", { href: "#/cancellations/new" }, "Cancel out-of-stock units for a customer")),
    h("section", { class: "card", "aria-labelledby": "cancellation-results" }, h("h2", { id: "cancellation-results" }, `${STATUS[status][0]}, oldest first`), results),
  );
  focusHeading(heading);
  let page;
  try {
    page = await api.get("/cs/cancellations", { status, limit: PAGE_SIZE, nextToken: after });
  } catch (error) {
    results.replaceChildren(errorNotice(error, "This page of the queue"));
    return;
  }
  if (!page.items.length) {
    results.replaceChildren(h("p", null, after ? "No more cancellations in this status." : `No cancellation is ${STATUS[status][0].toLowerCase()}.`));
    return;
  }
  const rows = page.items.map((item) =>
    h(
      "tr",
      { "data-cancellation-id": item.cancellationId },
      h("td", { class: "id" }, h("a", { href: cancellationHref(item.cancellationId) }, h("span", { class: "mono" }, item.cancellationId))),
      h("td", { class: "id" }, h("span", { class: "mono" }, item.orderId)),
      h("td", null, item.customerId),
      h("td", null, reasonText(item.reason)),
      h("td", { class: "num" }, plural(item.lines.reduce((sum, line) => sum + line.quantity, 0), "unit")),
      h("td", { class: "num" }, item.quote ? money(item.quote.refundAmount, item.quote.currency) : "—"),
      h("td", null, timeAgo(item.createdAt)),
      h("td", null, age(item.updatedAt)),
    ),
  );
  const pager = h("nav", { class: "pager", "aria-label": "Queue pages" });
  if (after) pager.append(h("a", { href: cancellationsHref(status) }, "First page"));
  if (page.nextToken) pager.append(h("a", { class: "button secondary", href: cancellationsHref(status, page.nextToken) }, "Next page"));
  results.replaceChildren(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "cancellation-table" },
        h("caption", { class: "visually-hidden" }, `Cancellations ${STATUS[status][0].toLowerCase()}, oldest first`),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["Cancellation", "Order", "Customer", "Reason"].map((text) => h("th", { scope: "col" }, text)),
            h("th", { scope: "col", class: "num" }, "Units"),
            h("th", { scope: "col", class: "num" }, "Refund (quote)"),
            h("th", { scope: "col" }, "Asked for"),
            h("th", { scope: "col" }, "Last change"),
          ),
        ),
        h("tbody", null, rows),
      ),
    ),
    ...(pager.childElementCount ? [pager] : []),
  );
}

// -- one cancellation ---------------------------------------------------------------------------
export async function cancellationPage(view, cancellationId) {
  const path = `/cs/cancellations/${encodeURIComponent(cancellationId)}`;
  const state = { view, path, item: null, what: "cancellation", moving: MOVING, draw, message: null, timer: null };
  view.append(h("p", { class: "loading" }, `Loading cancellation ${cancellationId}…`));
  try {
    state.item = await api.get(path);
  } catch (error) {
    const heading = h("h1", null, `Cancellation ${cancellationId}`);
    view.replaceChildren(backLink(), heading, errorNotice(error, `Cancellation ${cancellationId}`));
    focusHeading(heading);
    return;
  }
  draw(state, { focusTitle: true });
  poll(state);
}

function backLink(status) {
  const known = CANCELLATION_QUEUES.some((q) => q.status === status);
  return h("p", { class: "breadcrumb" }, h("a", { href: cancellationsHref(known ? status : "REFUND_FAILED"), id: "back-to-queue" }, "← Back to the cancellations"));
}

function draw(state, { focusTitle = false, focusMessage = false } = {}) {
  const { item, view } = state;
  const focusedId = view.contains(document.activeElement) ? document.activeElement.id : null;
  const heading = h("h1", { id: "cancellation-heading" }, "Cancellation ", h("span", { class: "mono" }, item.cancellationId), statusBadge(item.status));
  const message = state.message ? notice(state.message.tone, state.message.content) : null;
  if (message) message.id = "decision-message";
  view.replaceChildren(
    backLink(item.status),
    heading,
    h(
      "div",
      { class: "detail-grid" },
      h("div", null, summaryCard(item), refundCard(item, "cancellation"), paymentsCard(item), orderCard(item, "cancellation"), historyCard(item)),
      h("div", null, decisionCard(state, message)),
    ),
  );
  if (focusMessage && message) focus(message);
  else if (focusTitle) focusHeading(heading);
  else if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
}

function summaryCard(item) {
  const order = item.order;
  const facts = [
    ["Order", [h("span", { class: "mono" }, item.orderId), ` · ${order.status} · ${order.channel}`]],
    ["Customer", item.customerId],
    ["Reason", [reasonText(item.reason), item.reasonDetail ? [": “", item.reasonDetail, "”"] : ""]],
    ["Units", h("ul", { class: "plain" }, item.lines.map((line) => h("li", null, itemWords(order, line.lineId), ` × ${line.quantity}`)))],
    ["Asked on", timeAgo(item.createdAt)],
    ["Last change", timeAgo(item.updatedAt)],
  ];
  return card(
    "The cancellation",
    "summary",
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", null, term), h("dd", null, value)])),
  );
}

function decisionCard(state, message) {
  const item = state.item;
  const content = [];
  if (message) content.push(message);
  if (item.status === "REFUND_FAILED") {
    const form = h(
      "form",
      {
        id: "retry-form",
        "aria-labelledby": "retry-h",
        onsubmit: (event) => {
          event.preventDefault();
          return send(state, form, `${state.path}/retry-refund`, undefined, "retry", () => "The refund is being tried again.");
        },
      },
      h("h3", { id: "retry-h" }, "The refund failed"),
      h("p", null, "Trying again pays the same refund once: a refund already paid is never paid twice."),
      h("div", { class: "actions-row" }, h("button", { type: "submit", id: "retry-button" }, "Retry the refund")),
    );
    content.push(form);
  } else {
    const words = {
      REQUESTED: "The service is starting the cancellation.",
      AWAITING_FULFILMENT: "Fulfilment has been asked to stop the units; waiting for its answer.",
      AWAITING_INTERCEPTION: "Delivery has been asked to intercept the parcel; waiting for its answer.",
      REFUNDING: "The refund is being paid.",
      COMPLETED: "Completed: the units will not be delivered.",
      FAILED: "Failed: the units could not be stopped (see the history); once delivered they can be returned.",
    }[item.status];
    content.push(h("p", null, words || `Nothing waits on CS: the cancellation is ${STATUS[item.status][0].toLowerCase()}.`));
  }
  return h("section", { class: "card", "aria-labelledby": "decision-h", id: "decision-card" }, h("h2", { id: "decision-h" }, "Decision"), content);
}

// -- an out-of-stock cancellation on the customer's behalf ---------------------------------------
export async function newCancellationPage(view) {
  const heading = h("h1", null, "Cancel out-of-stock units");
  const orderId = h("input", { type: "text", id: uid("order"), name: "orderId", autocomplete: "off", spellcheck: "false" });
  const linesInput = h("input", { type: "text", id: uid("lines"), name: "lines", autocomplete: "off", spellcheck: "false", placeholder: "L1 x1, L2 x2", "aria-describedby": "lines-hint" });
  const note = h("textarea", { id: uid("note"), name: "note", maxlength: "2000" });
  const form = h(
    "form",
    {
      id: "cancel-form",
      class: "card",
      "aria-labelledby": "cancel-h",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const order = orderId.value.trim();
        if (!order) return fieldError(orderId, "Enter the order's id.");
        fieldError(orderId, null);
        const lines = parseLines(linesInput.value);
        if (lines.error) return fieldError(linesInput, lines.error);
        fieldError(linesInput, null);
        const button = form.querySelector("button");
        button.disabled = true;
        formProblem(form).replaceChildren();
        try {
          const body = { reason: "out_of_stock", note: note.value.trim() };
          if (lines.value) body.lines = lines.value;
          const created = await api.post(`/cs/orders/${encodeURIComponent(order)}/cancellations`, body);
          window.location.hash = cancellationHref(created.cancellationId);
        } catch (error) {
          button.disabled = false;
          const box = errorNotice(error, `Order ${order}`);
          formProblem(form).replaceChildren(box);
          focus(box);
        }
        return undefined;
      },
    },
    h("h2", { id: "cancel-h" }, "Which units"),
    h("p", null, "A merchant-fault cancellation (out_of_stock) of an order that is not delivered yet: the customer is refunded what the engine says, and the promotions never cost them anything for it."),
    h("label", { for: orderId.id }, "Order"),
    orderId,
    h("label", { for: linesInput.id }, "Units (leave empty for everything not yet cancelled or returned)"),
    linesInput,
    h("p", { class: "hint", id: "lines-hint" }, "Line ids with a quantity, e.g. “L1 x1, L2 x2”."),
    h("label", { for: note.id }, "Note (optional)"),
    note,
    h("div", { class: "actions-row" }, h("button", { type: "submit", id: "cancel-button" }, "Cancel these units")),
  );
  view.append(h("p", { class: "breadcrumb" }, h("a", { href: cancellationsHref("REFUND_FAILED") }, "← Back to the cancellations")), heading, form);
  focusHeading(heading);
}

/** "L1 x1, L2 x2" → [{lineId, quantity}]; empty → {value: null} (every unit). */
export function parseLines(text) {
  const parts = String(text || "").split(",").map((part) => part.trim()).filter(Boolean);
  if (!parts.length) return { value: null };
  const lines = [];
  for (const part of parts) {
    const match = /^([A-Za-z0-9_-]+)\s*(?:[x×*]\s*(\d+))?$/.exec(part);
    if (!match) return { error: `“${part}” is not a line and a quantity, e.g. L1 x2.` };
    const quantity = match[2] ? Number(match[2]) : 1;
    if (!Number.isInteger(quantity) || quantity < 1) return { error: `“${part}”: the quantity is at least 1.` };
    lines.push({ lineId: match[1], quantity });
  }
  return { value: lines };
}
