package dev.scaivault.testkit;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One request the dev server received, for assertions in tests. It keeps the raw headers and body, which
 * hold bearer tokens and secret values: the server never logs them and {@link #toString()} shows only the
 * method, path, status and request id.
 */
public final class RecordedRequest {
    private final String method;
    private final String path;
    private final String rawQuery;
    private final Map<String, String> query;
    private final Map<String, List<String>> headers;
    private final String body;
    private final Instant at;
    private final String requestId;
    private volatile int status;

    RecordedRequest(
            String method,
            String path,
            String rawQuery,
            Map<String, String> query,
            Map<String, List<String>> headers,
            String body,
            Instant at,
            String requestId) {
        this.method = method;
        this.path = path;
        this.rawQuery = rawQuery;
        this.query = query;
        this.headers = headers;
        this.body = body;
        this.at = at;
        this.requestId = requestId;
    }

    public String method() {
        return method;
    }

    /** The request path without the query string, still percent-encoded as it was sent. */
    public String path() {
        return path;
    }

    /** Decoded query parameters (the first value of each name). */
    public Map<String, String> query() {
        return query;
    }

    /** The raw query string, or {@code ""}. */
    public String rawQuery() {
        return rawQuery;
    }

    /** The first value of a header (case-insensitive name), or {@code null}. */
    public String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** All headers; names are case-insensitive. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The request body as UTF-8 text ({@code ""} when there was none). May hold secrets. */
    public String body() {
        return body;
    }

    /** The status answered; {@code -1} if the connection was dropped, {@code 0} while still being handled. */
    public int status() {
        return status;
    }

    /** Arrival time on the server clock. */
    public Instant at() {
        return at;
    }

    /** The {@code X-Request-ID} the server answered with. */
    public String requestId() {
        return requestId;
    }

    void status(int status) {
        this.status = status;
    }

    @Override
    public String toString() {
        return "RecordedRequest[" + method + ' ' + path + " -> " + status + ", " + requestId + ']';
    }
}
