package dev.scaivault;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ScaiVault call with the retry policy of the protocol: which answers are retried (decided here, from
 * ScaiVault's own error codes and whether a write may have reached the server), how long to wait (the
 * library's one {@link Backoff}, {@code Retry-After} included), and when to give up (the call budget). The
 * waits are the client's {@link Time}'s, so tests simulate minutes of back-off on virtual time.
 */
final class Http {
    private static final Logger log = LoggerFactory.getLogger(Http.class);
    private static final MediaType JSON = MediaType.get("application/json");
    static final long MAX_RESPONSE_BYTES = 4L << 20;

    /** The policy's knobs. */
    record RetryPolicy(int maxAttempts, Backoff backoff, Duration callBudget) {}

    /** Where bearer tokens come from; {@code null} for unauthenticated calls. */
    interface Tokens {
        String token();

        /** The server refused {@code token}: forget it unless it has already been replaced. */
        void invalidate(String token);
    }

    /** A request to make. {@code path} starts with {@code /v1/}; {@code what} names it in errors and logs. */
    record Call(
            String method,
            String path,
            Map<String, String> query,
            byte[] body,
            RequestBody rawBody,
            boolean idempotent,
            boolean authenticated,
            String what,
            String authorization,
            Duration longPoll,
            boolean once) {
        static Call get(String path, String what) {
            return new Call("GET", path, Map.of(), null, null, true, true, what, null, null, false);
        }

        static Call post(String path, byte[] body, boolean idempotent, String what) {
            return new Call("POST", path, Map.of(), body, null, idempotent, true, what, null, null, false);
        }

        static Call put(String path, byte[] body, String what) {
            return new Call("PUT", path, Map.of(), body, null, false, true, what, null, null, false);
        }

        Call query(Map<String, String> q) {
            return new Call(
                    method, path, q, body, rawBody, idempotent, authenticated, what, authorization, longPoll, once);
        }

        Call unauthenticated() {
            return new Call(method, path, query, body, rawBody, idempotent, false, what, authorization, longPoll, once);
        }

        /** The server may hold this call for up to {@code wait} before it answers. */
        Call longPoll(Duration wait) {
            return new Call(
                    method, path, query, body, rawBody, idempotent, authenticated, what, authorization, wait, once);
        }

        /**
         * One exchange only (plus the one token refresh a 401 allows), for a caller that schedules its own
         * retries: retrying here as well would multiply its attempts, and in a 429 storm every layer's retry is
         * one more request against the bucket the whole fleet shares.
         */
        Call singleAttempt() {
            return new Call(
                    method, path, query, body, rawBody, idempotent, authenticated, what, authorization, longPoll, true);
        }

        @Override
        public String toString() {
            return "Call{" + method + ' ' + path + '}';
        }
    }

    /**
     * A 2xx answer. {@code serverDate} is the response's {@code Date} header ({@code null} when absent or not
     * an HTTP date): the server's own clock, the anchor for absolute times in the body.
     */
    record Answer(int status, byte[] body, String requestId, Instant serverDate) {}

    private final OkHttpClient ok;
    private final HttpUrl base;
    private final String userAgent;
    private final String tenant;
    private final RetryPolicy policy;
    private final InstantSource clock;
    private final Time time;
    // Per HTTP exchange (each retry counts), for metrics; indexed by Outcome.ordinal().
    private final java.util.concurrent.atomic.AtomicLongArray outcomes =
            new java.util.concurrent.atomic.AtomicLongArray(Outcome.values().length);

    /** How one HTTP exchange ended. */
    enum Outcome {
        SUCCESS,
        CLIENT_ERROR,
        RATE_LIMITED,
        SERVER_ERROR,
        IO_ERROR;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Exchanges so far by outcome, tag names ({@code success}, {@code io_error}, ...) in a stable order. */
    Map<String, Long> outcomes() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            m.put(o.tag(), outcomes.get(o.ordinal()));
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private void count(int status) {
        Outcome o = status >= 200 && status < 300
                ? Outcome.SUCCESS
                : status == 429 ? Outcome.RATE_LIMITED : status >= 500 ? Outcome.SERVER_ERROR : Outcome.CLIENT_ERROR;
        outcomes.incrementAndGet(o.ordinal());
    }

    private volatile Tokens tokens;
    private final Redactor redactor = new Redactor();

    Http(OkHttpClient ok, HttpUrl base, String userAgent, String tenant, RetryPolicy policy, Time time) {
        this.ok = ok;
        this.base = base;
        this.userAgent = userAgent;
        this.tenant = tenant;
        this.policy = policy;
        this.clock = time.clock();
        this.time = time;
    }

    void tokens(Tokens tokens) {
        this.tokens = tokens;
    }

    HttpUrl base() {
        return base;
    }

    /** The secrets this client sent or received, scrubbed from every text a server supplies. */
    Redactor redactor() {
        return redactor;
    }

    Answer execute(Call call) {
        return execute(call, url(call), c -> {});
    }

    /** Calls an absolute URL (ScaiKey's token endpoint lives outside the ScaiVault base). */
    Answer execute(Call call, HttpUrl url) {
        return execute(call, url, c -> {});
    }

    /** {@code onCall} receives a way to cancel each attempt while it is in flight (to stop a long poll). */
    Answer execute(Call call, java.util.function.Consumer<Runnable> onCall) {
        return execute(call, url(call), onCall);
    }

    private Answer execute(Call call, HttpUrl url, java.util.function.Consumer<Runnable> onCall) {
        Duration budget = call.longPoll() == null
                ? policy.callBudget()
                : policy.callBudget().plus(call.longPoll());
        OkHttpClient client = call.longPoll() == null
                ? ok
                : ok.newBuilder()
                        .readTimeout(Duration.ofMillis(ok.readTimeoutMillis()).plus(call.longPoll()))
                        .build();
        Instant deadline = clock.instant().plus(budget);
        boolean refreshedToken = false;
        for (int attempt = 1; ; attempt++) {
            String token = call.authenticated() ? tokens.token() : null;
            Request request = request(call, url, token);
            long started = System.nanoTime();
            Duration delay;
            RuntimeException failure;
            okhttp3.Call http = client.newCall(request);
            onCall.accept(http::cancel);
            // The budget bounds the whole call, including an attempt that hangs on a slow server.
            http.timeout()
                    .timeout(
                            Math.max(
                                    1,
                                    Duration.between(clock.instant(), deadline).toMillis()),
                            TimeUnit.MILLISECONDS);
            try (Response response = http.execute()) {
                int status = response.code();
                count(status);
                byte[] body = read(response.body(), call.what());
                String requestId = Protocol.identifier(response.header("X-Request-ID"));
                Instant serverDate = Protocol.httpDate(response.header("Date"));
                long ms = (System.nanoTime() - started) / 1_000_000;
                if (status >= 200 && status < 300) {
                    String type = response.header("Content-Type");
                    if (body.length > 0 && !Protocol.isJson(type)) {
                        // A 200 that is not JSON is not ScaiVault's answer: the URL points at a web UI, or a
                        // captive portal or WAF answered in its place. Never parse it as a secret.
                        throw new ScaiVaultIoException(
                                call.what() + ": HTTP " + status + " with Content-Type "
                                        + redactor.scrub(type, sentSecrets(call, token))
                                        + ", not application/json: is the URL a web page or a proxy, not ScaiVault? ("
                                        + call.method() + " " + url.host() + ":" + url.port() + call.path()
                                        + (requestId == null ? "" : " [request " + requestId + "]") + ")",
                                true,
                                null);
                    }
                    log.debug("{} {} -> {} [{}] {} ms", call.method(), call.path(), status, requestId, ms);
                    return new Answer(status, body, requestId, serverDate);
                }
                // An HTTP-date Retry-After is on the server's clock: measure it from the server's Date.
                ScaiVaultApiException e = Protocol.error(
                        call.what(),
                        status,
                        body,
                        requestId,
                        response.header("Retry-After"),
                        serverDate != null ? serverDate : clock.instant(),
                        text -> redactor.scrub(text, sentSecrets(call, token)));
                log.debug("{} {} -> {} {} [{}] {} ms", call.method(), call.path(), status, e.code(), requestId, ms);
                if (status == 401
                        && token != null
                        && !refreshedToken
                        && ("token_expired".equals(e.code()) || "token_invalid".equals(e.code()))) {
                    // The token died before we thought it would: get a fresh one once, retry once.
                    refreshedToken = true;
                    tokens.invalidate(token);
                    attempt--;
                    continue;
                }
                delay = retryDelay(call, e, attempt);
                failure = e;
            } catch (IOException e) {
                outcomes.incrementAndGet(Outcome.IO_ERROR.ordinal());
                // OkHttp cancels a call whose timeout (the rest of the budget) expires too: that is a timeout,
                // reported as one; only a cancel of ours (a long poll being stopped) is a cancellation.
                if (http.isCanceled() && !(e instanceof InterruptedIOException)) {
                    throw new ScaiVaultIoException(call.what() + ": cancelled", true, e);
                }
                boolean reached = mayHaveReached(e);
                List<String> sent = sentSecrets(call, token);
                failure = new ScaiVaultIoException(
                        call.what() + ": "
                                + redactor.scrub(
                                        describe(e, http.isCanceled(), client, budget), sent, Redactor.MAX_DESCRIPTION)
                                + " (" + call.method() + " "
                                + url.host() + ":" + url.port() + call.path() + ")",
                        reached,
                        redactor.scrubbedCause(e, sent));
                // A certificate we do not trust, or a peer that does not speak TLS, will not change on a retry.
                delay = (call.idempotent() || !reached) && !tlsMisconfigured(e)
                        ? policy.backoff().delay(attempt)
                        : null;
            }
            if (delay == null || call.once() || attempt >= policy.maxAttempts()) {
                throw failure;
            }
            Instant wakeAt = clock.instant().plus(delay);
            if (wakeAt.isAfter(deadline)) {
                throw failure;
            }
            log.warn(
                    "{}; retry {}/{} in {} ms",
                    failure.getMessage(),
                    attempt + 1,
                    policy.maxAttempts(),
                    delay.toMillis());
            try {
                time.sleep(delay);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ScaiVaultIoException(call.what() + ": interrupted while waiting to retry", true, ie);
            }
        }
    }

    /**
     * What this call sent that a server could echo back: the bearer token, the {@code Authorization} value,
     * and every value of the body (a secret being written, a subject token, a client secret).
     */
    private static List<String> sentSecrets(Call call, String token) {
        List<String> out = new ArrayList<>();
        if (token != null) {
            out.add(token);
        }
        if (call.authorization() != null) {
            out.add(call.authorization());
            int space = call.authorization().indexOf(' ');
            if (space > 0) {
                out.add(call.authorization().substring(space + 1));
            }
        }
        if (call.body() != null) {
            try {
                Protocol.JSON.readTree(call.body()).forEach(v -> collect(v, out));
            } catch (IOException | RuntimeException e) {
                // Our own bodies are JSON; nothing else to collect from one that is not.
            }
        }
        if (call.rawBody() instanceof FormBody form) {
            for (int i = 0; i < form.size(); i++) {
                out.add(form.value(i));
            }
        }
        return out;
    }

    private static void collect(com.fasterxml.jackson.databind.JsonNode n, List<String> out) {
        if (n.isTextual()) {
            out.add(n.asText());
        } else {
            n.forEach(c -> collect(c, out));
        }
    }

    /** How long to wait before retrying after {@code e}, or {@code null} when it must not be retried. */
    private Duration retryDelay(Call call, ScaiVaultApiException e, int attempt) {
        int s = e.status();
        if (s == 429) {
            return policy.backoff().delay(attempt, e);
        }
        if ("service_unavailable".equals(e.code())) {
            // ScaiVault itself refused the request before doing anything: safe to retry, even a write.
            return policy.backoff().delay(attempt, e);
        }
        if ("internal_error".equals(e.code()) || (s == 500 && e.code().startsWith("http_"))) {
            return call.idempotent() && attempt == 1 ? policy.backoff().delay(attempt, e) : null;
        }
        if ((s == 502 || s == 503 || s == 504) && call.idempotent()) {
            return policy.backoff().delay(attempt, e);
        }
        return null;
    }

    private static boolean mayHaveReached(IOException e) {
        if (e instanceof ConnectException
                || e instanceof UnknownHostException
                || e instanceof NoRouteToHostException
                || e instanceof SSLHandshakeException
                || e instanceof SSLPeerUnverifiedException
                || tlsMisconfigured(e)) {
            // The handshake did not complete, so no byte of the request was sent.
            return false;
        }
        if (e instanceof InterruptedIOException
                && e.getMessage() != null
                && e.getMessage().contains("connect")) {
            return false;
        }
        return true;
    }

    static boolean tlsMisconfigured(IOException e) {
        if (e instanceof SSLPeerUnverifiedException) {
            return true;
        }
        if (!(e instanceof SSLException)) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
        }
        return e.getMessage() != null && e.getMessage().contains("Unsupported or unrecognized SSL message");
    }

    /** {@code budgetRanOut}: OkHttp cancelled the call because its timeout, the rest of the budget, expired. */
    private static String describe(IOException e, boolean budgetRanOut, OkHttpClient client, Duration budget) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host";
        }
        if (e instanceof SSLException) {
            // OkHttp's hostname message spans lines; a log line and an exception message should not.
            String detail = String.valueOf(e.getMessage()).replaceAll("\\s*\n\\s*", " ");
            if (e instanceof SSLPeerUnverifiedException) {
                return "TLS handshake failed: the server certificate is not for this host: " + detail;
            }
            if (detail.contains("PKIX")) {
                return "TLS handshake failed: the server certificate is not signed by a trusted CA"
                        + " (caBundle / SCAIVAULT_CA_BUNDLE): " + detail;
            }
            return "TLS handshake failed: " + detail;
        }
        if (e instanceof InterruptedIOException) {
            // Say which limit ended it: the one to raise differs.
            if (budgetRanOut) {
                return "timed out: the call budget of " + budget.toMillis() + " ms ran out";
            }
            if (e.getMessage() != null && e.getMessage().contains("connect")) {
                return "timed out connecting (connectTimeout " + client.connectTimeoutMillis() + " ms)";
            }
            return "timed out: no answer within the readTimeout of " + client.readTimeoutMillis() + " ms ("
                    + e.getMessage() + ")";
        }
        if (e instanceof java.io.EOFException
                || (e instanceof java.net.ProtocolException
                        && String.valueOf(e.getMessage()).contains("unexpected end of stream"))) {
            // Content-Length promised more than arrived: the answer was lost on the way, the request was not.
            return "the answer was cut short (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private HttpUrl url(Call call) {
        HttpUrl.Builder b = base.newBuilder().addPathSegments(call.path().substring(1));
        call.query().forEach(b::addQueryParameter);
        return b.build();
    }

    private Request request(Call call, HttpUrl url, String token) {
        Request.Builder b = new Request.Builder().url(url).header("User-Agent", userAgent);
        b.header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        } else if (call.authorization() != null) {
            b.header("Authorization", call.authorization());
        }
        if (tenant != null) {
            b.header("X-Tenant-ID", tenant);
        }
        RequestBody body = call.rawBody() != null
                ? call.rawBody()
                : call.body() != null ? RequestBody.create(call.body(), JSON) : null;
        if (body == null && !call.method().equals("GET")) {
            body = RequestBody.create(new byte[0], JSON);
        }
        return b.method(call.method(), body).build();
    }

    private static byte[] read(ResponseBody body, String what) throws IOException {
        if (body == null) {
            return new byte[0];
        }
        long declared = body.contentLength();
        if (declared > MAX_RESPONSE_BYTES) {
            throw new ScaiVaultException(
                    what + ": response of " + declared + " bytes exceeds the limit of " + MAX_RESPONSE_BYTES);
        }
        BufferedSource source = body.source();
        Buffer buffer = new Buffer();
        while (source.read(buffer, 8192) != -1) {
            if (buffer.size() > MAX_RESPONSE_BYTES) {
                throw new ScaiVaultException(what + ": response exceeds the limit of " + MAX_RESPONSE_BYTES + " bytes");
            }
        }
        return buffer.readByteArray();
    }
}
