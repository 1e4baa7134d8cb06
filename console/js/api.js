// The HTTP API, called with the agent's JWT. Every refusal becomes an ApiError carrying the
// contract's error body ({error: {code, message, details}}), or API Gateway's own 401.
import { token } from "./auth.js";

let base = "";

export function configure(config) {
  base = String(config.apiBase || "").replace(/\/+$/, "");
}

export class ApiError extends Error {
  constructor(status, code, message, details = [], correlationId = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.correlationId = correlationId;
  }
}

function urlOf(path, query) {
  const url = new URL(base + path, window.location.href);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  return url;
}

/**
 * One request. `accept: "text/csv"` answers the text; otherwise the parsed JSON.
 * Throws ApiError (status 0 when the service could not be reached).
 */
export async function call(method, path, { body, query, accept } = {}) {
  const jwt = token();
  if (!jwt) throw new ApiError(401, "unauthorized", "not signed in");
  const headers = { authorization: `Bearer ${jwt}`, accept: accept || "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(urlOf(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "network", `the service could not be reached (${error.message})`);
  }
  const correlationId = response.headers.get("x-correlation-id");
  const text = await response.text();
  if (!response.ok) {
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const error = parsed && parsed.error;
    if (error && typeof error === "object") {
      throw new ApiError(response.status, error.code, error.message, error.details || [], correlationId);
    }
    const message = (parsed && parsed.message) || text.slice(0, 200) || response.statusText;
    throw new ApiError(response.status, `http_${response.status}`, message, [], correlationId);
  }
  if (accept && accept !== "application/json") return text;
  return text ? JSON.parse(text) : null;
}

export const get = (path, query) => call("GET", path, { query });
export const post = (path, body) => call("POST", path, body === undefined ? {} : { body });
