// A return as an agent needs it: what was asked for, the refund and why (every adjustment with
// its description: the 满199减100 clawback in words), where the money goes, the order, the
// history, and the decision waiting on CS, with the contract's refusals in words.
import * as api from "../api.js";
import { focus, focusHeading, h, notice, uid } from "../dom.js";
import { errorNotice } from "../errors.js";
import {
  STATUS,
  isZero,
  methodText,
  money,
  normaliseAmount,
  reasonText,
  statusBadge,
  timeAgo,
  until,
  when,
} from "../format.js";
import { customerCard } from "./customer.js";
import {
  card,
  currencyDigits,
  fieldError,
  historyCard,
  itemWords,
  orderCard,
  paymentsCard,
  poll,
  refundCard,
  send,
} from "./detail.js";
import { QUEUES, queueHref } from "./queue.js";

/** Statuses the workflow (or the customer) moves on without CS: the page looks again until
 * they change. */
const MOVING = new Set(["REQUESTED", "REFUNDING", "AWAITING_CUSTOMER"]);

export async function returnPage(view, returnId) {
  const path = `/cs/returns/${encodeURIComponent(returnId)}`;
  const state = { view, path, item: null, what: "return", moving: MOVING, draw, message: null, timer: null };
  view.append(h("p", { class: "loading" }, `Loading return ${returnId}…`));
  try {
    state.item = await api.get(path);
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
  const queue = QUEUES.some((q) => q.status === status) ? status : "PENDING_REVIEW";
  return h("p", { class: "breadcrumb" }, h("a", { href: queueHref(queue), id: "back-to-queue" }, "← Back to the queue"));
}

function draw(state, { focusTitle = false, focusMessage = false } = {}) {
  const { item: ret, view } = state;
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

// -- the decision waiting on CS -----------------------------------------------------------------
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

function decisionCard(state, message) {
  const ret = state.item;
  const content = [];
  if (message) content.push(message);
  if (ret.status === "PENDING_REVIEW") content.push(reviewForms(state));
  else if (ret.status === "PENDING_DAMAGE_REVIEW") content.push(damageForm(state));
  else if (ret.status === "REFUND_FAILED") content.push(retryForm(state));
  else if (ret.status === "AWAITING_CUSTOMER") content.push(proposalPart(ret));
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

const PROPOSALS = {
  return_shipping_fee: {
    what: "Return shipping, paid by the customer",
    then: "Accepted: the return goes on and the fee comes off the refund. Declined: it comes back to review (propose again, approve with the merchant paying, or reject). No answer by then: the return is cancelled and its units are free again.",
  },
  inspection_deduction: {
    what: "A deduction for the damage",
    then: "Accepted: refunded less the deduction. Declined: the goods go back to the customer. No answer by then: the deduction applies (the goods are already with the merchant).",
  },
};

/** What waits for the customer's answer (contract section 5a), its deadline and what each
 * answer does; the quote above is the one it would give. */
function proposalPart(ret) {
  const proposal = ret.proposal;
  if (!proposal) return h("p", null, "Waiting for the customer to accept or decline what CS proposed.");
  const words = PROPOSALS[proposal.kind] || { what: proposal.kind, then: "" };
  const currency = ret.order.currency;
  return h(
    "div",
    { id: "proposal" },
    h("h3", null, "Proposed to the customer"),
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "What"),
      h("dd", null, words.what),
      h("dt", null, "Amount"),
      h("dd", null, money(proposal.amount, currency)),
      proposal.note ? [h("dt", null, "Note"), h("dd", null, "“", proposal.note, "”")] : null,
      h("dt", null, "Answer due"),
      h("dd", null, h("time", { datetime: proposal.expiresAt, title: proposal.expiresAt }, `${when(proposal.expiresAt)} (in ${until(proposal.expiresAt)})`)),
    ),
    h("p", { class: "hint" }, "The refund above is what the customer gets if they accept."),
    h("p", null, words.then),
  );
}

function reviewForms(state) {
  const ret = state.item;
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
        return send(state, approve, `/cs/returns/${encodeURIComponent(ret.returnId)}/review`, body, "approval", (now) =>
          now.status === "AWAITING_CUSTOMER"
            ? `You proposed that the customer pays ${money(body.returnShippingFee, currency)} return shipping: the return waits for their answer.`
            : `You approved the return${feeWords}. It is now ${STATUS[now.status][0].toLowerCase()}.`,
        );
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
    h(
      "p",
      { class: "hint", id: `${feeId}-hint` },
      "Only when the customer pays; it comes off the refund. A fee above zero is proposed to the customer first: the return goes on once they accept it.",
    ),
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
  const ret = state.item;
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
        return send(state, form, `/cs/returns/${encodeURIComponent(ret.returnId)}/damage-review`, body, "damage decision", (now) =>
          now.status === "AWAITING_CUSTOMER"
            ? `You proposed a deduction of ${money(body.inspectionDeduction, currency)} for the damage: the customer is asked to accept it.`
            : `${words}. The return is now ${STATUS[now.status][0].toLowerCase()}.`,
        );
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
    h(
      "p",
      { class: "hint", id: `${deductionId}-hint` },
      "Only with Deduct; it comes off the refund once the customer accepts it (declined: the goods go back to them; no answer in time: it applies).",
    ),
    h("label", { for: noteId }, "Note (optional)"),
    note,
    h("div", { class: "actions-row" }, h("button", { type: "submit", id: "damage-button" }, "Submit decision")),
  );
  return form;
}

function retryForm(state) {
  const ret = state.item;
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

