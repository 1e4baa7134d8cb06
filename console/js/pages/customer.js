// The customer's earlier returns: how many, how often, for what kind of reason — a serial-returner
// signal beside the decision. Read from GET /cs/customers/{customerId}/returns (newest first).
import * as api from "../api.js";
import { h } from "../dom.js";
import { errorNotice } from "../errors.js";
import { MERCHANT_FAULT, money, plural, reasonText, statusBadge, when } from "../format.js";

const PAGE = 100;
const MAX_PAGES = 5; // 500 returns are enough to tell; more shows as "500+"
const DAY_MS = 86400000;
// The signal: at least this many other returns in the window. A heuristic for a human to weigh,
// not a rule the service applies.
export const SIGNAL = { last30Days: 3, last90Days: 6 };
const SHOWN = 5;

async function allReturns(customerId) {
  const items = [];
  let nextToken = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await api.get(`/cs/customers/${encodeURIComponent(customerId)}/returns`, { limit: PAGE, nextToken });
    items.push(...answer.items);
    nextToken = answer.nextToken;
    if (!nextToken) break;
  }
  return { items, more: Boolean(nextToken) };
}

/** The figures of the card, from the customer's returns other than `current`. */
export function summarise(items, currentId, now = Date.now()) {
  const earlier = items.filter((item) => item.returnId !== currentId);
  const within = (days) => earlier.filter((item) => now - new Date(item.createdAt).getTime() <= days * DAY_MS).length;
  const customerChoice = earlier.filter((item) => !MERCHANT_FAULT.has(item.reason)).length;
  const refunded = earlier.filter((item) => item.status === "REFUNDED").length;
  const orders = new Set(earlier.map((item) => item.orderId)).size;
  const last30Days = within(30);
  const last90Days = within(90);
  return {
    earlier,
    count: earlier.length,
    orders,
    last30Days,
    last90Days,
    customerChoice,
    refunded,
    frequent: last30Days >= SIGNAL.last30Days || last90Days >= SIGNAL.last90Days,
  };
}

export function customerCard(ret) {
  const body = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "Loading the customer's returns…"));
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "customer-h", id: "customer-card" },
    h("h2", { id: "customer-h" }, "Customer ", h("span", { class: "mono" }, ret.customerId)),
    body,
  );
  allReturns(ret.customerId)
    .then(({ items, more }) => body.replaceChildren(...figures(summarise(items, ret.returnId), more, ret)))
    .catch((error) => body.replaceChildren(errorNotice(error, `Customer ${ret.customerId}`)));
  return section;
}

function figures(summary, more, ret) {
  const plus = more ? "+" : "";
  const pieces = [
    h(
      "p",
      { id: "customer-figures" },
      h("span", { class: "figure" }, `${summary.count}${plus}`),
      ` earlier ${summary.count === 1 && !more ? "return" : "returns"}`,
      summary.count ? ` on ${plural(summary.orders, "order")}` : "",
      ".",
    ),
  ];
  if (summary.count) {
    pieces.push(
      h(
        "ul",
        null,
        h("li", null, `${summary.last30Days} in the last 30 days, ${summary.last90Days} in the last 90 days`),
        h("li", null, `${summary.customerChoice} of ${summary.count} for the customer's choice (not a merchant fault)`),
        h("li", null, `${summary.refunded} refunded`),
      ),
    );
  }
  pieces.push(
    summary.frequent
      ? h(
          "p",
          { class: "signal", id: "serial-returner" },
          `⚑ Frequent returner: ${SIGNAL.last30Days} or more returns in 30 days, or ${SIGNAL.last90Days} or more in 90. Worth a look before approving.`,
        )
      : h("p", { class: "muted", id: "serial-returner" }, "No serial-returner signal."),
  );
  if (summary.earlier.length) {
    pieces.push(
      h("h3", null, "Latest earlier returns"),
      h(
        "ul",
        { class: "earlier" },
        summary.earlier.slice(0, SHOWN).map((item) =>
          h(
            "li",
            null,
            h("a", { href: `#/returns/${encodeURIComponent(item.returnId)}` }, h("span", { class: "mono" }, item.returnId)),
            ` · ${when(item.createdAt)} · ${reasonText(item.reason)}`,
            item.quote ? ` · ${money((item.refund || item.quote).refundAmount, item.quote.currency)}` : "",
            " ",
            statusBadge(item.status, { compact: true }),
          ),
        ),
      ),
    );
  }
  if (ret.status === "PENDING_REVIEW" && summary.frequent) {
    pieces.push(h("p", { class: "hint" }, "The signal does not decide anything: the service applies no rule on it."));
  }
  return pieces;
}
