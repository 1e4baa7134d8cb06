// A seller's settlements (contract section 8): every POP refund of the period split between the
// seller and the platform, with the totals per currency, a page at a time.
import * as api from "../api.js";
import { focusHeading, h, uid } from "../dom.js";
import { errorNotice } from "../errors.js";
import { amount, when } from "../format.js";

const DAY_MS = 86400000;
const PAGE_SIZE = 50;

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function settlementsHref(sellerId, from, to, after) {
  const query = new URLSearchParams({ sellerId, from, to });
  if (after) query.set("after", after);
  return `#/settlements?${query}`;
}

function form(sellerId, from, to) {
  const sellerInput = h("input", { type: "text", id: uid("seller"), name: "sellerId", value: sellerId, required: true, autocomplete: "off", spellcheck: "false" });
  const fromInput = h("input", { type: "date", id: uid("from"), name: "from", value: from, required: true });
  const toInput = h("input", { type: "date", id: uid("to"), name: "to", value: to, required: true });
  const problem = h("p", { class: "field-error", id: `${sellerInput.id}-error`, hidden: true });
  return h(
    "form",
    {
      class: "filters",
      "aria-label": "Which settlements",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const seller = sellerInput.value.trim();
        if (!seller) {
          problem.textContent = "Enter the seller's id, e.g. seller-778.";
          problem.hidden = false;
          sellerInput.setAttribute("aria-invalid", "true");
          sellerInput.setAttribute("aria-describedby", problem.id);
          sellerInput.focus();
          return;
        }
        window.location.hash = settlementsHref(seller, fromInput.value, toInput.value);
      },
    },
    h("div", null, h("label", { for: sellerInput.id }, "Seller"), sellerInput, problem),
    h("div", null, h("label", { for: fromInput.id }, "Paid from"), fromInput),
    h("div", null, h("label", { for: toInput.id }, "to (included)"), toInput),
    h("button", { type: "submit" }, "Show"),
  );
}

function sourceLink(item) {
  if (item.returnId) {
    return h("a", { href: `#/returns/${encodeURIComponent(item.returnId)}` }, h("span", { class: "mono" }, item.returnId));
  }
  if (item.cancellationId) {
    return h("a", { href: `#/cancellations/${encodeURIComponent(item.cancellationId)}` }, h("span", { class: "mono" }, item.cancellationId));
  }
  return "—";
}

export async function settlementsPage(view, params) {
  const now = new Date();
  const sellerId = params.get("sellerId") || "";
  const from = params.get("from") || isoDay(new Date(now.getTime() - 29 * DAY_MS));
  const to = params.get("to") || isoDay(now);
  const after = params.get("after");
  const heading = h("h1", null, "Seller settlements");
  view.append(
    heading,
    h("p", { class: "hint" }, "What each refund of a marketplace (POP) order costs the seller and the platform. A negative seller debit is owed to the seller; a negative platform share is what the platform takes back."),
    form(sellerId, from, to),
  );
  focusHeading(heading);
  if (!sellerId) return;
  const results = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "Loading…"));
  view.append(h("section", { class: "card", "aria-labelledby": "settlements-results" }, h("h2", { id: "settlements-results" }, `${sellerId}, ${from} to ${to}`), results));
  let page;
  try {
    page = await api.get(`/cs/sellers/${encodeURIComponent(sellerId)}/settlements`, { from, to, limit: PAGE_SIZE, nextToken: after });
  } catch (error) {
    results.replaceChildren(errorNotice(error, `Seller ${sellerId}`));
    return;
  }
  const totals = h(
    "dl",
    { class: "facts totals", id: "settlement-totals" },
    page.totals.length
      ? page.totals.map((total) => [
          h("dt", null, `Period total (${total.currency})`),
          h("dd", null, `seller debit ${amount(total.sellerDebit)}, platform share ${amount(total.platformShare)}`),
        ])
      : [h("dt", null, "Total"), h("dd", null, "nothing")],
  );
  if (!page.items.length) {
    results.replaceChildren(h("p", null, after ? "No more refunds in this period." : "No refund of this seller's orders was paid in this period."), totals);
    return;
  }
  const rows = page.items.map((item) =>
    h(
      "tr",
      { "data-refund-id": item.refundId },
      h("td", null, when(item.paidAt)),
      h("td", null, h("span", { class: "mono" }, item.refundId)),
      h("td", null, h("span", { class: "mono" }, item.orderId)),
      h("td", null, sourceLink(item)),
      h("td", { class: "num" }, `${amount(item.refundAmount)} ${item.currency}`),
      h("td", { class: "num" }, amount(item.sellerDebit)),
      h("td", { class: "num" }, amount(item.platformShare)),
    ),
  );
  const pager = h("nav", { class: "pager", "aria-label": "Settlement pages" });
  if (after) pager.append(h("a", { href: settlementsHref(sellerId, from, to) }, "First page"));
  if (page.nextToken) pager.append(h("a", { class: "button secondary", href: settlementsHref(sellerId, from, to, page.nextToken) }, "Next page"));
  results.replaceChildren(
    totals,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "settlements-table" },
        h("caption", { class: "visually-hidden" }, `Refunds of ${sellerId}'s orders and their split`),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["Paid", "Refund", "Order", "Return or cancellation"].map((text) => h("th", { scope: "col" }, text)),
            h("th", { scope: "col", class: "num" }, "Refund"),
            h("th", { scope: "col", class: "num" }, "Seller debit"),
            h("th", { scope: "col", class: "num" }, "Platform share"),
          ),
        ),
        h("tbody", null, rows),
      ),
    ),
    ...(pager.childElementCount ? [pager] : []),
  );
}
