// A return as an agent needs it: what was asked for, the refund and why (every adjustment with
// its description: the 满199减100 clawback in words), where the money goes, the order, the
// history, and the decision waiting on CS, with the contract's refusals in words.
import * as api from "../api.js";
import * as auth from "../auth.js";
import { announce, focus, focusHeading, h, notice, uid } from "../dom.js";
import { errorNotice } from "../errors.js";
import {
  STATUS,
  amount,
  digitsOf,
  isNegative,
  isZero,
  methodText,
  money,
  normaliseAmount,
  orderText,
  reasonText,
  statusBadge,
  timeAgo,
  when,
} from "../format.js";
import { customerCard } from "./customer.js";
import { queueHref } from "./queue.js";

/** Statuses the workflow moves on by itself: the page looks again until they change. */
const MOVING = new Set(["REQUESTED", "REFUNDING"]);
const POLL_DELAYS_MS = [700, 1000, 1500, 2000, 3000, 5000];
const POLL_ATTEMPTS = 60;

export async function returnPage(view, returnId) {
  const state = { view, returnId, ret: null, message: null, timer: null };
  view.append(h("p", { class: "loading" }, `Loading return ${returnId}…`));
  try {
    state.ret = await api.get(`/cs/returns/${encodeURIComponent(returnId)}`);
  } catch (error) {
    const heading = h("h1", null, `Return ${returnId}`);
    view.replaceChildren(backLink("PENDING_REVIEW"), heading, errorNotice(error, `Return ${returnId}`));
    focusHeading(heading);
    return;
  }
  draw(state, { focusTitle: true });
  poll(state);
}

// -- drawing ------------------------------------------------------------------------------------
function backLink(status) {
  const queue = ["PENDING_REVIEW", "PENDING_DAMAGE_REVIEW", "REFUND_FAILED"].includes(status) ? status : "PENDING_REVIEW";
  return h("p", { class: "breadcrumb" }, h("a", { href: queueHref(queue), id: "back-to-queue" }, "← Back to the queue"));
}

function draw(state, { focusTitle = false, focusMessage = false } = {}) {
  const { ret, view } = state;
  const focusedId = view.contains(document.activeElement) ? document.activeElement.id : null;
  const heading = h("h1", { id: "return-heading" }, "Return ", h("span", { class: "mono" }, ret.returnId), statusBadge(ret.status));
  const message = state.message ? notice(state.message.tone, state.message.content) : null;
  if (message) message.id = "decision-message";
  view.replaceChildren(
    backLink(ret.status),
    heading,
    h(
      "div",
      { class: "detail-grid" },
      h("div", null, summaryCard(ret), refundCard(ret), paymentsCard(ret), orderCard(ret), historyCard(ret)),
      h("div", null, decisionCard(state, message), customerCard(ret)),
    ),
  );
  if (focusMessage && message) focus(message);
  else if (focusTitle) focusHeading(heading);
  else if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
}

function card(title, base, ...content) {
  const id = `${base}-h`;
  return h("section", { class: "card", "aria-labelledby": id, id: `${base}-card` }, h("h2", { id }, title), ...content);
}

function lineOf(order, lineId) {
  return order.lines.find((line) => line.lineId === lineId) || null;
}

function itemWords(order, lineId) {
  const line = lineOf(order, lineId);
  return line ? [h("span", { class: "mono" }, lineId), " ", orderText(line.title, order.currency)] : [h("span", { class: "mono" }, lineId)];
}

function summaryCard(ret) {
  const order = ret.order;
  const facts = [
    ["Order", [h("span", { class: "mono" }, ret.orderId), ` · ${order.channel}${order.channel === "POP" ? ` (seller ${order.sellerId})` : ""}`]],
    ["Customer", ret.customerId],
    ["Reason", [reasonText(ret.reason), ret.reasonDetail ? [": “", ret.reasonDetail, "”"] : ""]],
    ["Method", methodText(ret.method)],
    [
      "Asked for",
      h(
        "ul",
        { class: "plain" },
        ret.lines.map((line) => h("li", null, itemWords(order, line.lineId), ` × ${line.quantity}`)),
      ),
    ],
    ["Asked on", timeAgo(ret.createdAt)],
    ["Last change", timeAgo(ret.updatedAt)],
  ];
  if (ret.shipment) {
    facts.push(["Customer's parcel", `${ret.shipment.carrier} ${ret.shipment.trackingNumber} (${when(ret.shipment.at)})`]);
  }
  return card(
    "The return",
    "summary",
    h(
      "dl",
      { class: "facts" },
      facts.map(([term, value]) => [h("dt", null, term), h("dd", null, value)]),
    ),
  );
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

function refundCard(ret) {
  const order = ret.order;
  const quote = ret.quote;
  if (!quote) {
    return card(
      "Refund",
      "refund",
      h("p", null, ret.status === "REQUESTED" ? "No quote yet: eligibility is being checked." : "This return has no quote (it was refused before one was made)."),
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
    h("p", { class: "hint" }, "The latest quote: made when the return was asked for, again with the fees CS sets and on what the warehouse received."),
    tableNode,
    explain,
    paid,
  );
}

function paymentsCard(ret) {
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

function orderCard(ret) {
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
            h("th", { scope: "col", class: "num" }, "In this return"),
            h("th", { scope: "col" }, "Returnable"),
          ),
        ),
        h("tbody", null, rows),
      ),
    ),
    promotions.length ? [h("h3", null, "Promotions"), h("ul", null, promotions)] : h("p", { class: "muted" }, "No promotions on this order."),
  );
}

function actorWords(actor, ret) {
  if (actor.startsWith("cs:")) return `CS agent ${actor.slice(3)}`;
  if (actor === "system") return "the system";
  if (actor === ret.customerId) return `the customer (${actor})`;
  return actor;
}

function historyCard(ret) {
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

// -- the decision waiting on CS -----------------------------------------------------------------
function decisionCard(state, message) {
  const ret = state.ret;
  const content = [];
  if (message) content.push(message);
  if (ret.status === "PENDING_REVIEW") content.push(reviewForms(state));
  else if (ret.status === "PENDING_DAMAGE_REVIEW") content.push(damageForm(state));
  else if (ret.status === "REFUND_FAILED") content.push(retryForm(state));
  else {
    const words = {
      REQUESTED: "The service is checking eligibility; the review opens when it is done.",
      AWAITING_RECEIPT: "Approved: waiting for the goods to reach the warehouse (or the seller).",
      REFUNDING: "The refund is being paid.",
    }[ret.status];
    content.push(h("p", null, words || `Nothing waits on CS: the return is ${STATUS[ret.status][0].toLowerCase()}.`));
  }
  return h("section", { class: "card", "aria-labelledby": "decision-h", id: "decision-card" }, h("h2", { id: "decision-h" }, "Decision"), content);
}

function currencyDigits(ret) {
  if (ret.quote) return digitsOf(ret.quote.refundAmount);
  const payment = (ret.order.payments || [])[0];
  return payment ? digitsOf(payment.amount) : 2;
}

/** An error line under a field, tied to it for screen readers. */
function fieldError(input, text) {
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

function formProblem(form) {
  let slot = form.querySelector(".form-problem");
  if (!slot) {
    slot = h("div", { class: "form-problem" });
    form.append(slot);
  }
  return slot;
}

/**
 * Sends a decision. Success redraws the return with what the API answered; a 409 (someone else
 * decided first, or the return moved on) reloads it and says who did what; other refusals stay
 * in the form, with what was typed kept.
 */
async function send(state, form, path, body, attempted, done) {
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((button) => {
    button.disabled = true;
  });
  form.setAttribute("aria-busy", "true");
  formProblem(form).replaceChildren();
  try {
    const updated = await api.post(path, body);
    state.ret = { ...state.ret, ...updated };
    state.message = { tone: "ok", content: [h("p", null, done(state.ret)), h("p", null, "Now: ", statusBadge(state.ret.status))] };
    announce(done(state.ret));
    draw(state, { focusMessage: true });
    poll(state);
  } catch (error) {
    if (error.status === 409) {
      try {
        state.ret = await api.get(`/cs/returns/${encodeURIComponent(state.returnId)}`);
      } catch {
        // keep what we had; the message still says what happened
      }
      state.message = { tone: "error", content: conflictWords(state.ret, attempted, error) };
      draw(state, { focusMessage: true });
      poll(state);
      return;
    }
    buttons.forEach((button) => {
      button.disabled = false;
    });
    form.removeAttribute("aria-busy");
    const box = errorNotice(error, `Return ${state.returnId}`);
    formProblem(form).replaceChildren(box);
    focus(box);
  }
}

/** The 409 in words: who moved the return, to what, when, and that this decision was not applied. */
export function conflictWords(ret, attempted, error) {
  const last = ret.history[ret.history.length - 1];
  const agent = auth.me();
  let who = "someone else";
  let first = "Someone else decided first.";
  if (last) {
    if (agent && last.actor === agent.actor) {
      who = "you (in another tab or window)";
      first = "This return was already decided.";
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
    h("p", null, "The page now shows the return as it is."),
  ];
}

function reviewForms(state) {
  const ret = state.ret;
  const currency = ret.order.currency;
  const digits = currencyDigits(ret);
  const merchantId = uid("paid-by-merchant");
  const customerId = uid("paid-by-customer");
  const feeId = uid("fee");
  const approveNoteId = uid("approve-note");
  const fee = h("input", { type: "text", id: feeId, name: "returnShippingFee", inputmode: "decimal", autocomplete: "off", disabled: true, placeholder: digits ? `0.${"0".repeat(digits)}` : "0", "aria-describedby": `${feeId}-hint` });
  const merchant = h("input", { type: "radio", name: "paidBy", id: merchantId, value: "merchant", checked: true });
  const customer = h("input", { type: "radio", name: "paidBy", id: customerId, value: "customer" });
  const syncFee = () => {
    fee.disabled = !customer.checked;
    if (!customer.checked) fieldError(fee, null);
  };
  merchant.addEventListener("change", syncFee);
  customer.addEventListener("change", syncFee);
  const approveNote = h("textarea", { id: approveNoteId, name: "note", maxlength: "2000" });
  const approve = h(
    "form",
    {
      id: "approve-form",
      "aria-labelledby": "approve-h",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const body = { decision: "approve", returnShippingPaidBy: customer.checked ? "customer" : "merchant", note: approveNote.value.trim() };
        if (customer.checked) {
          const typed = normaliseAmount(fee.value, digits, currency);
          if (typed.error) return fieldError(fee, typed.error);
          fieldError(fee, null);
          body.returnShippingFee = typed.value;
        }
        const feeWords = body.returnShippingFee && !isZero(body.returnShippingFee) ? `, the customer pays ${money(body.returnShippingFee, currency)} return shipping` : `, the ${body.returnShippingPaidBy} pays the return shipping`;
        return send(state, approve, `/cs/returns/${encodeURIComponent(ret.returnId)}/review`, body, "approval", (now) => `You approved the return${feeWords}. It is now ${STATUS[now.status][0].toLowerCase()}.`);
      },
    },
    h("h3", { id: "approve-h" }, "Approve"),
    h(
      "fieldset",
      null,
      h("legend", null, "Who pays the return shipping?"),
      h("label", { class: "choice", for: merchantId }, merchant, "The merchant"),
      h("label", { class: "choice", for: customerId }, customer, "The customer"),
    ),
    h("label", { for: feeId }, `Return shipping fee (${currency})`),
    fee,
    h("p", { class: "hint", id: `${feeId}-hint` }, "Only when the customer pays; it comes off the refund."),
    h("label", { for: approveNoteId }, "Note (optional)"),
    approveNote,
    h("div", { class: "actions-row" }, h("button", { type: "submit", id: "approve-button" }, "Approve")),
  );

  const rejectNoteId = uid("reject-note");
  const rejectNote = h("textarea", { id: rejectNoteId, name: "note", maxlength: "2000", "aria-describedby": `${rejectNoteId}-hint` });
  const reject = h(
    "form",
    {
      id: "reject-form",
      "aria-labelledby": "reject-h",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const note = rejectNote.value.trim();
        if (!note) return fieldError(rejectNote, "Say why the return is rejected: the customer sees this note.");
        fieldError(rejectNote, null);
        return send(state, reject, `/cs/returns/${encodeURIComponent(ret.returnId)}/review`, { decision: "reject", note }, "rejection", () => "You rejected the return: it is closed and its units are free again.");
      },
    },
    h("h3", { id: "reject-h" }, "Reject"),
    h("label", { for: rejectNoteId }, "Why (required)"),
    rejectNote,
    h("p", { class: "hint", id: `${rejectNoteId}-hint` }, "Kept in the return's history, which the customer sees."),
    h("div", { class: "actions-row" }, h("button", { type: "submit", class: "danger", id: "reject-button" }, "Reject")),
  );
  return [approve, reject];
}

function damageForm(state) {
  const ret = state.ret;
  const currency = ret.order.currency;
  const digits = currencyDigits(ret);
  const choices = [
    ["accept", "Accept: refund without a deduction"],
    ["deduct", "Deduct an amount for the damage"],
    ["reject", "Reject: send the goods back to the customer, no refund"],
  ];
  const radios = choices.map(([value]) => h("input", { type: "radio", name: "decision", id: uid(`damage-${value}`), value, checked: value === "accept" }));
  const deductionId = uid("deduction");
  const noteId = uid("damage-note");
  const deduction = h("input", { type: "text", id: deductionId, name: "inspectionDeduction", inputmode: "decimal", autocomplete: "off", disabled: true, "aria-describedby": `${deductionId}-hint` });
  const note = h("textarea", { id: noteId, name: "note", maxlength: "2000" });
  const chosen = () => radios.find((radio) => radio.checked).value;
  for (const radio of radios) {
    radio.addEventListener("change", () => {
      deduction.disabled = chosen() !== "deduct";
      if (deduction.disabled) fieldError(deduction, null);
    });
  }
  const form = h(
    "form",
    {
      id: "damage-form",
      "aria-labelledby": "damage-h",
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const decision = chosen();
        const body = { decision, note: note.value.trim() };
        if (decision === "deduct") {
          const typed = normaliseAmount(deduction.value, digits, currency);
          if (typed.error) return fieldError(deduction, typed.error);
          if (isZero(typed.value)) return fieldError(deduction, "A deduction is above zero; choose Accept for none.");
          fieldError(deduction, null);
          body.inspectionDeduction = typed.value;
        }
        const words = {
          accept: "You accepted the damaged goods without a deduction",
          deduct: `You deducted ${money(body.inspectionDeduction, currency)} for the damage`,
          reject: "You rejected the damaged goods: they go back to the customer",
        }[decision];
        return send(state, form, `/cs/returns/${encodeURIComponent(ret.returnId)}/damage-review`, body, "damage decision", (now) => `${words}. The return is now ${STATUS[now.status][0].toLowerCase()}.`);
      },
    },
    h("h3", { id: "damage-h" }, "Damaged goods"),
    h("p", null, "The warehouse received damaged units on a customer-choice return."),
    h(
      "fieldset",
      null,
      h("legend", null, "Decision"),
      choices.map(([, label], index) => h("label", { class: "choice", for: radios[index].id }, radios[index], label)),
    ),
    h("label", { for: deductionId }, `Deduction (${currency})`),
    deduction,
    h("p", { class: "hint", id: `${deductionId}-hint` }, "Only with Deduct; it comes off the refund."),
    h("label", { for: noteId }, "Note (optional)"),
    note,
    h("div", { class: "actions-row" }, h("button", { type: "submit", id: "damage-button" }, "Submit decision")),
  );
  return form;
}

function retryForm(state) {
  const ret = state.ret;
  const failed = [...ret.history].reverse().find((entry) => entry.status === "REFUND_FAILED");
  const form = h(
    "form",
    {
      id: "retry-form",
      "aria-labelledby": "retry-h",
      onsubmit: (event) => {
        event.preventDefault();
        return send(state, form, `/cs/returns/${encodeURIComponent(ret.returnId)}/retry-refund`, undefined, "retry", () => "The refund is being tried again.");
      },
    },
    h("h3", { id: "retry-h" }, "The refund failed"),
    h("p", null, "The payment provider kept refusing the refund.", failed && failed.note ? [" It said: “", failed.note, "”."] : ""),
    h("p", null, "Trying again pays the same refund once: a refund already paid is never paid twice."),
    h("div", { class: "actions-row" }, h("button", { type: "submit", id: "retry-button" }, "Retry the refund")),
  );
  return form;
}

// -- keeping up with the workflow ---------------------------------------------------------------
function poll(state) {
  window.clearTimeout(state.timer);
  if (!MOVING.has(state.ret.status)) return;
  let attempt = 0;
  const tick = async () => {
    if (!state.view.isConnected) return;
    try {
      const fresh = await api.get(`/cs/returns/${encodeURIComponent(state.returnId)}`);
      if (!state.view.isConnected) return;
      if (fresh.status !== state.ret.status || fresh.updatedAt !== state.ret.updatedAt) {
        state.ret = fresh;
        draw(state);
        announce(`Return ${fresh.returnId} is now ${STATUS[fresh.status][0].toLowerCase()}`);
      }
    } catch {
      // a failed look is tried again on the next tick
    }
    attempt += 1;
    if (MOVING.has(state.ret.status) && attempt < POLL_ATTEMPTS) {
      state.timer = window.setTimeout(tick, POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)]);
    }
  };
  state.timer = window.setTimeout(tick, POLL_DELAYS_MS[0]);
}
