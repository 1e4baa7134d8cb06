// What a return's page and a cancellation's page share: the refund explained line by line
// (every adjustment with its description: the 满199减100 clawback in words), the payments and the
// POP settlement, the order, the history as a timeline, and sending a decision (the contract's
// refusals in words, a 409 as who decided first) while following the workflow as it moves on.
//
// A page's state: {view, path (GET of the item), item, what ("return"), moving (statuses the
// workflow leaves by itself), draw(state, options), message, timer}.
import * as api from "../api.js";
import * as auth from "../auth.js";
import { announce, focus, h, notice } from "../dom.js";
import { errorNotice } from "../errors.js";
import { STATUS, amount, digitsOf, isNegative, money, orderText, statusBadge, timeAgo, when } from "../format.js";

const POLL_DELAYS_MS = [700, 1000, 1500, 2000, 3000, 5000];
const POLL_ATTEMPTS = 60;

export function card(title, base, ...content) {
  const id = `${base}-h`;
  return h("section", { class: "card", "aria-labelledby": id, id: `${base}-card` }, h("h2", { id }, title), ...content);
}

export function lineOf(order, lineId) {
  return order.lines.find((line) => line.lineId === lineId) || null;
}

export function itemWords(order, lineId) {
  const line = lineOf(order, lineId);
  return line ? [h("span", { class: "mono" }, lineId), " ", orderText(line.title, order.currency)] : [h("span", { class: "mono" }, lineId)];
}

// -- the refund and why -------------------------------------------------------------------------
const KIND_WORDS = {
  promotion_clawback: (a) => (isNegative(a.amount) ? "Promotion taken back" : "Promotion given back"),
  shipping_clawback: (a) => (isNegative(a.amount) ? "Free shipping taken back" : "Free shipping given back"),
  shipping_refund: () => "Shipping refunded",
  return_shipping_fee: () => "Return shipping fee (customer pays)",
  inspection_deduction: () => "Damage deduction",
  prior_shortfall: () => "Shortfall carried in from an earlier return",
  prior_balance: () => "Owed from earlier refunds",
  shortfall_carried: () => "Shortfall carried to the next return",
};

function promotionOf(order, promotionId) {
  return (order.promotions || []).find((p) => p.promotionId === promotionId) || null;
}

/** "满199减100: spend 199.00, get 100.00 off" — the rule of a promotion in words. */
function promotionRule(promotion, currency) {
  if (promotion.kind === "threshold") {
    const cap = promotion.maxDiscount ? `, at most ${money(promotion.maxDiscount, currency)}` : "";
    return promotion.repeat
      ? `every ${money(promotion.threshold, currency)} spent, ${money(promotion.discount, currency)} off${cap}`
      : `spend ${money(promotion.threshold, currency)}, get ${money(promotion.discount, currency)} off`;
  }
  if (promotion.kind === "percentage") return `${promotion.percent}% off`;
  return promotion.kind;
}

function promotionChip(order, promotionId) {
  const promotion = promotionOf(order, promotionId);
  if (!promotion) return h("span", { class: "promotion mono" }, promotionId);
  const title = promotion.title || promotion.promotionId;
  return h(
    "span",
    { class: "promotion" },
    orderText(title, order.currency),
    ` — ${promotionRule(promotion, order.currency)}`,
  );
}

/** Why an adjustment is there, in a sentence an agent can repeat to the customer. */
function why(adjustment, order) {
  const currency = order.currency;
  const value = money(amount(adjustment.amount).replace("\u2212", ""), currency);
  const promotion = adjustment.promotionId ? promotionOf(order, adjustment.promotionId) : null;
  const name = promotion ? orderText(promotion.title || promotion.promotionId, currency) : "the promotion";
  switch (adjustment.kind) {
    case "promotion_clawback":
      return isNegative(adjustment.amount)
        ? [
            name,
            " was given on the order as a whole. A refund re-prices what the customer keeps: ",
            "without the returned items, the kept items no longer qualify and cost more than they were paid, ",
            `so that difference (${value}) comes off this refund.`,
          ]
        : [
            "An earlier return took part of ",
            name,
            ` back; what lost the promotion has come back too (or the kept items alone get a better deal), so ${value} is given back now.`,
          ];
    case "shipping_clawback":
      return isNegative(adjustment.amount)
        ? `The order shipped free; what is kept is now below the free-shipping threshold (${money(order.shipping.freeThreshold, currency)}), so the standard fee comes off the refund.`
        : `A free-shipping fee taken back earlier is given back (${value}).`;
    case "shipping_refund":
      return "Nothing is kept and everything went back for a merchant fault (or was cancelled): the shipping paid is refunded.";
    case "return_shipping_fee":
      return "CS decided that the customer pays the return shipping; it comes off the refund.";
    case "inspection_deduction":
      return "The goods came back damaged; CS deducted this amount.";
    case "prior_shortfall":
      return "An earlier return of this order carried a shortfall; it is recovered from this refund.";
    case "prior_balance":
      return "Earlier refunds of this order were below what was owed; the difference is paid now.";
    case "shortfall_carried":
      return `What is kept now costs more than this return gives back. A refund is never negative, so ${value} is carried to the order's next return (never charged), and CS must review this return itself.`;
    default:
      return "";
  }
}

const QUOTE_MADE = {
  return: "The latest quote: made when the return was asked for, again with the fees CS sets and on what the warehouse received.",
  cancellation: "The latest quote: made when the cancellation was asked for, again when refunding.",
};

export function refundCard(ret, what = "return") {
  const order = ret.order;
  const quote = ret.quote;
  if (!quote) {
    return card(
      "Refund",
      "refund",
      h("p", null, ret.status === "REQUESTED" ? "No quote yet: eligibility is being checked." : `This ${what} has no quote (it was refused before one was made).`),
    );
  }
  const currency = quote.currency;
  const rows = [];
  for (const line of quote.lines) {
    const orderLine = lineOf(order, line.lineId);
    rows.push(
      h(
        "tr",
        { "data-kind": "line" },
        h(
          "td",
          null,
          itemWords(order, line.lineId),
          ` × ${line.quantity}`,
          h("div", { class: "hint" }, `what these units cost after the order's promotions${orderLine ? ` (list price ${money(orderLine.unitPrice, currency)} each)` : ""}`),
        ),
        h("td", { class: "num" }, amount(line.paidAmount)),
      ),
    );
  }
  for (const adjustment of quote.adjustments) {
    const words = (KIND_WORDS[adjustment.kind] || (() => adjustment.kind))(adjustment);
    rows.push(
      h(
        "tr",
        { "data-kind": adjustment.kind },
        h(
          "td",
          null,
          h("span", { class: "adjustment-kind" }, words),
          " ",
          h("code", { class: "muted" }, adjustment.kind),
          adjustment.promotionId ? [h("br"), promotionChip(order, adjustment.promotionId)] : "",
          h("div", { class: "description" }, adjustment.description),
        ),
        h("td", { class: "num" }, amount(adjustment.amount, { signed: true })),
      ),
    );
  }
  const total = h(
    "tr",
    { class: "total" },
    h("th", { scope: "row" }, "Refund to the customer"),
    h("td", { class: "num", id: "refund-amount" }, money(quote.refundAmount, currency)),
  );
  const tableNode = h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "quote-table" },
      h("caption", null, "How the refund is made up"),
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "What"), h("th", { scope: "col", class: "num" }, `Amount (${currency})`))),
      h("tbody", null, rows),
      h("tfoot", null, total),
    ),
  );

  // The sum, term by term, as the contract defines it: paid amounts plus adjustments.
  const terms = [];
  quote.lines.forEach((line, index) => {
    terms.push(index === 0 ? amount(line.paidAmount) : `+ ${amount(line.paidAmount)}`);
  });
  for (const adjustment of quote.adjustments) {
    terms.push(isNegative(adjustment.amount) ? `\u2212 ${amount(adjustment.amount).slice(1)}` : `+ ${adjustment.amount}`);
  }
  const explanations = quote.adjustments
    .map((adjustment) => why(adjustment, order))
    .filter((words) => words && words.length)
    .map((words) => h("p", null, words));
  const explain = h(
    "div",
    { class: "explain", id: "refund-explained" },
    h("p", null, h("strong", null, "Why this amount: "), h("span", { class: "sum" }, `${terms.join(" ")} = ${quote.refundAmount} ${currency}`)),
    quote.adjustments.length
      ? explanations
      : h("p", null, "The customer gets back exactly what the returned units were paid: no promotion, shipping or fee changes it."),
  );
  const paid = ret.refund
    ? notice(
        "ok",
        h("p", null, `Refunded ${money(ret.refund.refundAmount, currency)} on ${when(ret.refund.paidAt)} (refund `, h("span", { class: "mono" }, ret.refund.refundId), ")."),
      )
    : null;
  return card(
    "Refund",
    "refund",
    h("p", { class: "hint" }, QUOTE_MADE[what]),
    tableNode,
    explain,
    paid,
  );
}

export function paymentsCard(ret) {
  const order = ret.order;
  const currency = order.currency;
  const quoted = new Map(((ret.quote && ret.quote.payments) || []).map((p) => [p.paymentId, p.amount]));
  const refunded = new Map(((ret.refund && ret.refund.payments) || []).map((p) => [p.paymentId, p.amount]));
  const rows = (order.payments || []).map((payment) =>
    h(
      "tr",
      null,
      h("td", null, h("span", { class: "mono" }, payment.paymentId)),
      h("td", null, payment.method),
      h("td", { class: "num" }, amount(payment.amount)),
      h("td", { class: "num" }, quoted.has(payment.paymentId) ? amount(quoted.get(payment.paymentId)) : "—"),
      h("td", { class: "num" }, refunded.has(payment.paymentId) ? amount(refunded.get(payment.paymentId)) : "—"),
    ),
  );
  return card(
    "Payments",
    "payments",
    h("p", { class: "hint" }, "A refund goes back to the order's payments in their listed order, each up to what is left of it."),

    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "payments-table" },
        h("caption", { class: "visually-hidden" }, "How the refund is split over the order's payments"),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "col" }, "Payment"),
            h("th", { scope: "col" }, "Method"),
            h("th", { scope: "col", class: "num" }, `Paid (${currency})`),
            h("th", { scope: "col", class: "num" }, "Back to it (quote)"),
            h("th", { scope: "col", class: "num" }, "Refunded"),
          ),
        ),
        h("tbody", null, rows),
      ),
    ),
    settlementPart(ret),
  );
}

/** A POP refund split between the seller and the platform (contract section 8), when the quote
 * has one. Both parts are signed: a negative seller debit is owed to the seller. */
function settlementPart(ret) {
  const settlement = ret.quote && ret.quote.settlement;
  if (!settlement) return null;
  const currency = ret.quote.currency;
  const seller = isNegative(settlement.sellerDebit)
    ? `is owed ${money(amount(settlement.sellerDebit).slice(1), currency)}`
    : `gives back ${money(settlement.sellerDebit, currency)}`;
  const platform = isNegative(settlement.platformShare)
    ? `takes back ${money(amount(settlement.platformShare).slice(1), currency)}`
    : `pays ${money(settlement.platformShare, currency)}`;
  return h(
    "div",
    { id: "settlement" },
    h("h3", null, "Between the seller and the platform"),
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Seller ", h("span", { class: "mono" }, settlement.sellerId)),
      h("dd", null, `${seller} (seller debit ${amount(settlement.sellerDebit)})`),
      h("dt", null, "The platform"),
      h("dd", null, `${platform} (platform share ${amount(settlement.platformShare)})`),
    ),
    h(
      "p",
      { class: "hint" },
      "The customer's refund is the same as on any order; the seller gives back what it was paid for the units that left and keeps the fees, the platform takes back the subsidy those units no longer earn.",
    ),
  );
}

export function orderCard(ret, what = "return") {
  const order = ret.order;
  const currency = order.currency;
  const inReturn = new Map(ret.lines.map((line) => [line.lineId, line.quantity]));
  const rows = order.lines.map((line) =>
    h(
      "tr",
      { class: inReturn.has(line.lineId) ? "in-return" : null },
      h("td", null, h("span", { class: "mono" }, line.lineId)),
      h(
        "td",
        null,
        orderText(line.title, currency),
        h("div", { class: "hint" }, `${line.brand} · ${line.category} · `, h("span", { class: "mono" }, line.sku)),
      ),
      h("td", { class: "num" }, amount(line.unitPrice)),
      h("td", { class: "num" }, String(line.quantity)),
      h("td", { class: "num" }, inReturn.has(line.lineId) ? String(inReturn.get(line.lineId)) : "—"),
      h("td", null, line.returnable ? "yes" : "merchant fault only"),
    ),
  );
  const promotions = (order.promotions || []).map((promotion) =>
    h(
      "li",
      null,
      promotionChip(order, promotion.promotionId),
      ` on ${promotion.lineIds.join(", ")}; refund policy ${promotion.refundPolicy || "reprice"}${promotion.fundedBy ? `, funded by the ${promotion.fundedBy}` : ""}`,
    ),
  );
  const shipping = order.shipping;
  return card(
    "Order",
    "order",
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Order"),
      h("dd", null, h("span", { class: "mono" }, order.orderId), ` · ${order.status} · ${order.channel}${order.sellerId ? ` · seller ${order.sellerId}` : ""}`),
      h("dt", null, "Placed"),
      h("dd", null, when(order.placedAt)),
      h("dt", null, "Delivered"),
      h("dd", null, order.deliveredAt ? when(order.deliveredAt) : "not yet"),
      h("dt", null, "Shipping"),
      h(
        "dd",
        null,
        `charged ${money(shipping.charged, currency)} (standard fee ${money(shipping.fee, currency)}${shipping.freeThreshold ? `, free from ${money(shipping.freeThreshold, currency)}` : ""})`,
      ),
    ),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "order-lines" },
        h("caption", null, "Order lines"),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", { scope: "col" }, "Line"),
            h("th", { scope: "col" }, "Item"),
            h("th", { scope: "col", class: "num" }, `Unit price (${currency})`),
            h("th", { scope: "col", class: "num" }, "Ordered"),
            h("th", { scope: "col", class: "num" }, `In this ${what}`),
            h("th", { scope: "col" }, "Returnable"),
          ),
        ),
        h("tbody", null, rows),
      ),
    ),
    promotions.length ? [h("h3", null, "Promotions"), h("ul", null, promotions)] : h("p", { class: "muted" }, "No promotions on this order."),
  );
}

export function actorWords(actor, ret) {
  if (actor.startsWith("cs:")) return `CS agent ${actor.slice(3)}`;
  if (actor === "system") return "the system";
  if (actor === ret.customerId) return `the customer (${actor})`;
  return actor;
}

export function historyCard(ret) {
  const entries = [...ret.history].reverse();
  return card(
    "History",
    "history",
    h("p", { class: "hint" }, "Newest first."),
    h(
      "ol",
      { class: "timeline", id: "history" },
      entries.map((entry) =>
        h(
          "li",
          { "data-status": entry.status },
          statusBadge(entry.status),
          " ",
          h("span", { class: "when" }, timeAgo(entry.at)),
          h("div", null, "by ", actorWords(entry.actor, ret)),
          entry.note ? h("p", { class: "note" }, "“", entry.note, "”") : "",
        ),
      ),
    ),
  );
}

export function currencyDigits(ret) {
  if (ret.quote) return digitsOf(ret.quote.refundAmount);
  const payment = (ret.order.payments || [])[0];
  return payment ? digitsOf(payment.amount) : 2;
}

/** An error line under a field, tied to it for screen readers. */
export function fieldError(input, text) {
  const id = `${input.id}-error`;
  let slot = document.getElementById(id);
  if (!text) {
    if (slot) slot.remove();
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", (input.getAttribute("aria-describedby") || "").replace(id, "").trim());
    return true;
  }
  if (!slot) {
    slot = h("p", { class: "field-error", id });
    input.insertAdjacentElement("afterend", slot);
  }
  slot.textContent = text;
  input.setAttribute("aria-invalid", "true");
  const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  described.add(id);
  input.setAttribute("aria-describedby", [...described].join(" "));
  input.focus();
  return false;
}

export function formProblem(form) {
  let slot = form.querySelector(".form-problem");
  if (!slot) {
    slot = h("div", { class: "form-problem" });
    form.append(slot);
  }
  return slot;
}

/**
 * Sends a decision. Success redraws the item with what the API answered; a 409 (someone else
 * decided first, or the item moved on) reloads it and says who did what; other refusals stay in
 * the form, with what was typed kept.
 */
export async function send(state, form, path, body, attempted, done) {
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((button) => {
    button.disabled = true;
  });
  form.setAttribute("aria-busy", "true");
  formProblem(form).replaceChildren();
  try {
    const updated = await api.post(path, body);
    state.item = { ...state.item, ...updated };
    state.message = { tone: "ok", content: [h("p", null, done(state.item)), h("p", null, "Now: ", statusBadge(state.item.status))] };
    announce(done(state.item));
    state.draw(state, { focusMessage: true });
    poll(state);
  } catch (error) {
    if (error.status === 409) {
      try {
        state.item = await api.get(state.path);
      } catch {
        // keep what we had; the message still says what happened
      }
      state.message = { tone: "error", content: conflictWords(state.item, attempted, error, state.what) };
      state.draw(state, { focusMessage: true });
      poll(state);
      return;
    }
    buttons.forEach((button) => {
      button.disabled = false;
    });
    form.removeAttribute("aria-busy");
    const box = errorNotice(error, `This ${state.what}`);
    formProblem(form).replaceChildren(box);
    focus(box);
  }
}

/** The 409 in words: who moved the item, to what, when, and that this decision was not applied. */
export function conflictWords(ret, attempted, error, what = "return") {
  const last = ret.history[ret.history.length - 1];
  const agent = auth.me();
  let who = "someone else";
  let first = "Someone else decided first.";
  if (last) {
    if (agent && last.actor === agent.actor) {
      who = "you (in another tab or window)";
      first = `This ${what} was already decided.`;
    } else if (last.actor.startsWith("cs:")) {
      who = `another agent, ${last.actor.slice(3)},`;
      first = `Someone else decided first: ${last.actor.slice(3)}.`;
    } else if (last.actor === "system") {
      who = "the system (a time limit)";
    } else if (last.actor === ret.customerId) {
      who = `the customer (${ret.customerId})`;
      first = "The customer acted first.";
    } else {
      who = last.actor;
    }
  }
  const moved = last
    ? [`${who.charAt(0).toUpperCase()}${who.slice(1)} moved it to “${STATUS[last.status] ? STATUS[last.status][0] : last.status}” (`, h("code", null, last.status), `) at ${when(last.at)}`, last.note ? `: “${last.note}”.` : "."]
    : [`The service said: ${error.message}.`];
  return [
    h("p", null, h("strong", null, first), ` Your ${attempted} was not applied.`),
    h("p", null, moved),
    h("p", null, `The page now shows the ${what} as it is.`),
  ];
}

// -- keeping up with the workflow ---------------------------------------------------------------
/** Looks again, a little less often each time, while the workflow moves the item on by itself. */
export function poll(state) {
  window.clearTimeout(state.timer);
  if (!state.moving.has(state.item.status)) return;
  let attempt = 0;
  const tick = async () => {
    if (!state.view.isConnected) return;
    try {
      const fresh = await api.get(state.path);
      if (!state.view.isConnected) return;
      if (fresh.status !== state.item.status || fresh.updatedAt !== state.item.updatedAt) {
        state.item = fresh;
        state.draw(state);
        announce(`The ${state.what} is now ${STATUS[fresh.status][0].toLowerCase()}`);
      }
    } catch {
      // a failed look is tried again on the next tick
    }
    attempt += 1;
    if (state.moving.has(state.item.status) && attempt < POLL_ATTEMPTS) {
      state.timer = window.setTimeout(tick, POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)]);
    }
  };
  state.timer = window.setTimeout(tick, POLL_DELAYS_MS[0]);
}
