// The contract's errors (section 4) in words an agent can act on.
import { forget } from "./auth.js";
import { h, notice } from "./dom.js";

const FIELD_NAMES = {
  returnShippingFee: "the return shipping fee",
  returnShippingPaidBy: "who pays the return shipping",
  inspectionDeduction: "the deduction",
  note: "the note",
  decision: "the decision",
  nextToken: "the page link",
  status: "the status",
  limit: "the page size",
  from: "the start date",
  to: "the end date",
  groupBy: "the grouping",
};

/** A list of what the API said about each field (400 details), or null. */
function detailList(details) {
  const items = (details || [])
    .filter((d) => d && (d.field || d.issue || d.message))
    .map((d) => h("li", null, `${FIELD_NAMES[d.field] || d.field || "the request"}: ${d.issue || d.message || "refused"}`));
  return items.length ? h("ul", null, items) : null;
}

/**
 * Paragraphs explaining `error` (an ApiError). `what` names the thing asked for ("return R-1"),
 * for the 404. A 409 gets a generic sentence here; pages that know more (who decided first) say
 * more.
 */
export function describe(error, what = "This item") {
  const correlation = error.correlationId
    ? h("p", { class: "small" }, `Reference for support: ${error.correlationId}`)
    : null;
  switch (error.status) {
    case 0:
      return [h("p", null, "The returns service could not be reached. Check the connection and try again; nothing was changed.")];
    case 400:
      return [
        h("p", null, `The service refused the request as malformed: ${error.message}`),
        detailList(error.details),
        correlation,
      ];
    case 401:
      return [h("p", null, "Your sign-in has expired or was not accepted. Sign in again; nothing was changed.")];
    case 403:
      return [
        h("p", null, "Your account may not do this: the CS console needs the group cs. Ask for it, then sign in again."),
        correlation,
      ];
    case 404:
      return [h("p", null, `${what} does not exist (or the link is wrong): ${error.message}`), correlation];
    case 409:
      return [
        h("p", null, `Not possible in the state it is in now: ${error.message}. Nothing was changed; reload to see it as it is.`),
        correlation,
      ];
    case 422:
      return [h("p", null, `Not allowed: ${error.message}. Nothing was changed.`), detailList(error.details), correlation];
    default:
      if (error.status >= 500) {
        return [
          h("p", null, `The service failed (${error.status}) and did not apply anything. Try again in a moment.`),
          correlation,
        ];
      }
      return [h("p", null, `The service answered ${error.status}: ${error.message}`), correlation];
  }
}

/** An error box for `error`; a 401 also offers to sign in again. */
export function errorNotice(error, what) {
  const box = notice("error", describe(error, what));
  if (error.status === 401) {
    box.append(
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            forget();
            window.location.reload();
          },
        },
        "Sign in again",
      ),
    );
  }
  return box;
}
