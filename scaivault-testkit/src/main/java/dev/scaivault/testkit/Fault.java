package dev.scaivault.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * One scripted misbehaviour for {@link Faults#enqueue(String, Fault...)}. Faults that answer in place of
 * the server ({@link #error}, {@link #status}, {@link #rateLimited}) skip the real handling; the others
 * ({@link #dropConnection}, {@link #truncatedBody}, {@link #delay}, {@link #wrongContentType}) let the
 * server handle the request for real first, so a {@code PUT} hit by {@link #dropConnection()} does add a
 * version: exactly the ambiguous failure a client must not retry.
 */
public final class Fault {
    enum Kind {
        ERROR,
        STATUS,
        DROP,
        TRUNCATE,
        DELAY,
        WRONG_CONTENT_TYPE
    }

    final Kind kind;
    final int status;
    final String code;
    final String contentType;
    final String rawBody;
    final String retryAfter;
    final Duration delay;

    private Fault(
            Kind kind, int status, String code, String contentType, String rawBody, String retryAfter, Duration delay) {
        this.kind = kind;
        this.status = status;
        this.code = code;
        this.contentType = contentType;
        this.rawBody = rawBody;
        this.retryAfter = retryAfter;
        this.delay = delay;
    }

    /** Answers {@code status} with the error envelope and {@code code}; a 429 gets {@code Retry-After: 1}. */
    public static Fault error(int status, String code) {
        checkStatus(status);
        Objects.requireNonNull(code, "code");
        return new Fault(Kind.ERROR, status, code, null, null, status == 429 ? "1" : null, null);
    }

    /** 429 {@code rate_limited} with {@code Retry-After} in whole seconds (rounded up). */
    public static Fault rateLimited(Duration retryAfter) {
        long ms = retryAfter.toMillis();
        if (ms < 0) {
            throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
        }
        return new Fault(Kind.ERROR, 429, "rate_limited", null, null, Long.toString((ms + 999) / 1000), null);
    }

    /** 429 {@code rate_limited} with {@code Retry-After} as an HTTP date (RFC 1123, GMT). */
    public static Fault rateLimitedAt(Instant httpDate) {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(httpDate.atOffset(ZoneOffset.UTC));
        return new Fault(Kind.ERROR, 429, "rate_limited", null, null, date, null);
    }

    /** Answers {@code status} with a raw body, as a proxy would (e.g. 502 {@code text/html}). */
    public static Fault status(int status, String contentType, String rawBody) {
        checkStatus(status);
        return new Fault(Kind.STATUS, status, null, contentType, rawBody == null ? "" : rawBody, null, null);
    }

    /** Reads the whole request, handles it, then closes the socket without any answer. */
    public static Fault dropConnection() {
        return new Fault(Kind.DROP, 0, null, null, null, null, null);
    }

    /** The normal answer, but only half of its body is sent (Content-Length says the full size), then close. */
    public static Fault truncatedBody() {
        return new Fault(Kind.TRUNCATE, 0, null, null, null, null, null);
    }

    /** Waits, then answers normally. */
    public static Fault delay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        return new Fault(Kind.DELAY, 0, null, null, null, null, delay);
    }

    /** The normal answer with {@code Content-Type: text/html} instead of JSON. */
    public static Fault wrongContentType() {
        return new Fault(Kind.WRONG_CONTENT_TYPE, 0, null, null, null, null, null);
    }

    private static void checkStatus(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("not an HTTP status: " + status);
        }
    }

    @Override
    public String toString() {
        switch (kind) {
            case ERROR:
                return "Fault[error " + status + ' ' + code + (retryAfter == null ? "" : " Retry-After " + retryAfter)
                        + ']';
            case STATUS:
                return "Fault[status " + status + ' ' + contentType + ']';
            case DELAY:
                return "Fault[delay " + delay + ']';
            default:
                return "Fault[" + kind.name().toLowerCase(java.util.Locale.ROOT) + ']';
        }
    }
}
