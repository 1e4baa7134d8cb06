// Words and numbers as an agent reads them. Amounts stay the decimal strings the API gives
// (contract: never floats); only their sign is dressed up.
import { h } from "./dom.js";

export const STATUS = {
  REQUESTED: ["Requested", "wait"],
  PENDING_REVIEW: ["Pending review", "todo"],
  AWAITING_CUSTOMER: ["Awaiting the customer's answer", "wait"],
  AWAITING_RECEIPT: ["Awaiting receipt", "wait"],
  PENDING_DAMAGE_REVIEW: ["Pending damage review", "todo"],
  REFUNDING: ["Refunding", "wait"],
  REFUNDED: ["Refunded", "ok"],
  REJECTED: ["Rejected", "bad"],
  CANCELLED: ["Cancelled", "bad"],
  EXPIRED: ["Expired: nothing received", "bad"],
  RETURNED_TO_CUSTOMER: ["Goods sent back to the customer", "bad"],
  REFUND_FAILED: ["Refund failed", "todo"],
  // cancellations before delivery (contract section 7)
  AWAITING_FULFILMENT: ["Awaiting fulfilment: asked to stop the units", "wait"],
  AWAITING_INTERCEPTION: ["Awaiting interception of the parcel", "wait"],
  COMPLETED: ["Completed", "ok"],
  FAILED: ["Failed", "bad"],
};

/** A status badge: the words, and the contract's code beside them (left out when `compact`). */
export function statusBadge(status, { compact = false } = {}) {
  const [label, tone] = STATUS[status] || [status, ""];
  return h(
    "span",
    { class: "status", "data-tone": tone, "data-status": status, title: compact ? status : null },
    label,
    compact ? null : h("code", null, status),
  );
}

export const MERCHANT_FAULT = new Set(["quality_issue", "not_as_described", "wrong_item", "damaged_in_transit"]);

const REASONS = {
  quality_issue: "Quality issue",
  not_as_described: "Not as described",
  wrong_item: "Wrong item sent",
  damaged_in_transit: "Damaged in transit",
  no_longer_needed: "No longer needed",
  size_or_fit: "Size or fit",
  other: "Other",
  out_of_stock: "Out of stock",
};

export function reasonText(reason) {
  const words = REASONS[reason] || reason;
  const side = MERCHANT_FAULT.has(reason) || reason === "out_of_stock" ? "merchant fault" : "customer choice";
  return `${words} (${side})`;
}

const METHODS = { pickup: "Pickup", dropoff: "Drop-off", ship_to_warehouse: "Customer ships it" };

export function methodText(method) {
  return METHODS[method] || method;
}

/** "-50.00" → "−50.00" (a real minus sign), "+50.00" for a positive adjustment when `signed`. */
export function amount(text, { signed = false } = {}) {
  if (text === null || text === undefined) return "—";
  const value = String(text);
  if (value.startsWith("-")) return `\u2212${value.slice(1)}`;
  return signed && !isZero(value) ? `+${value}` : value;
}

export function money(text, currency, options) {
  return `${amount(text, options)} ${currency || ""}`.trim();
}

export function isZero(text) {
  return /^[-+]?0*(\.0*)?$/.test(String(text));
}

export function isNegative(text) {
  return String(text).startsWith("-") && !isZero(text);
}

/** Decimal digits of an amount string: how many the currency has ("100.00" → 2, "1200" → 0). */
export function digitsOf(text) {
  const match = /\.(\d+)$/.exec(String(text || ""));
  return match ? match[1].length : 0;
}

/**
 * What an agent typed, as the API wants it: "6" → "6.00" for a 2-digit currency. Text only, no
 * floats. Returns {value} or {error} in words.
 */
export function normaliseAmount(typed, digits, currency) {
  const text = String(typed || "").trim();
  if (!text) return { error: "Enter an amount." };
  const match = /^(\d{1,15})(?:\.(\d*))?$/.exec(text);
  if (!match) return { error: `“${text}” is not an amount: use digits and a dot, e.g. ${example(digits)}.` };
  const fraction = match[2] || "";
  if (fraction.length > digits) {
    const unit = digits === 0 ? "no decimals" : `${digits} decimal${digits === 1 ? "" : "s"}`;
    return { error: `${currency} amounts have ${unit}: e.g. ${example(digits)}.` };
  }
  const whole = match[1].replace(/^0+(?=\d)/, "");
  const value = digits ? `${whole}.${fraction.padEnd(digits, "0")}` : whole;
  return { value };
}

function example(digits) {
  return digits ? `9.${"0".repeat(digits)}` : "900";
}

// -- time -------------------------------------------------------------------------------------
const pad = (n) => String(n).padStart(2, "0");

/** "2026-12-01 14:03" in the agent's time zone. */
export function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(
    date.getHours(),
  )}:${pad(date.getMinutes())}`;
}

/** "3 h 12 min" between `iso` and now. */
export function age(iso, now = Date.now()) {
  const ms = now - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return "";
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** "2 d 3 h" from now until `iso` ("now" once it has passed). */
export function until(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (!Number.isFinite(ms)) return "";
  return ms <= 0 ? "now" : age(new Date(now - ms).toISOString(), now);
}

/** A <time> element: the local time, the age, the exact instant on hover. */
export function timeAgo(iso) {
  const since = age(iso);
  return h("time", { datetime: iso, title: iso }, `${when(iso)} (${since === "just now" ? since : `${since} ago`})`);
}

/** The language of an order's own text (titles, promotions): CJK glyphs differ by language. */
export function langOf(currency) {
  return { CNY: "zh-CN", JPY: "ja", TWD: "zh-TW", HKD: "zh-HK", KRW: "ko" }[currency] || null;
}

/** Text in the order's language (a span with lang), for titles and promotion names. */
export function orderText(text, currency) {
  return h("span", { lang: langOf(currency) }, text);
}

export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many || `${one}s`}`;
}
