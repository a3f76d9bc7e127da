package dev.scaivault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The wire protocol in one place: paths, request bodies and lenient response parsing. Every shape the public
 * ScaiVault docs leave open (marked {@code [assumed]} here and listed in {@code docs/protocol.md}) is decided
 * in this class and nowhere else, so a correction against real ScaiVault is a change to one file.
 */
final class Protocol {
    static final ObjectMapper JSON = newMapper();

    static final String HEALTH = "/v1/health";
    static final String READY = "/v1/health/ready";
    static final String WHOAMI = "/v1/auth/whoami";
    static final String EXCHANGE = "/v1/auth/exchange";
    static final String BATCH = "/v1/secrets/batch";
    static final int MAX_BATCH = 100;
    /** Keys in one secret's, lease's or event's data: more is a broken or hostile server, not a secret. */
    static final int MAX_KEYS = 10_000;
    /** Nesting of any response: ScaiVault's own objects are a few levels deep. */
    static final int MAX_DEPTH = 64;

    static final String SUBJECT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"; // [assumed]

    private Protocol() {}

    private static ObjectMapper newMapper() {
        ObjectMapper m = new ObjectMapper();
        m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        // Hostile or broken servers must not make us recurse or allocate without bound.
        m.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(1 << 20)
                        .maxNumberLength(64)
                        .build());
        return m;
    }

    // ---- paths -------------------------------------------------------------------------------------

    /**
     * Checks a secret path by the documented rules (1 to 10 segments, at most 512 characters, no leading,
     * trailing or double slash) so a typo fails here, with the path named, instead of as a 400 later.
     */
    static String checkSecretPath(String path) {
        Objects.requireNonNull(path, "secret path");
        String why = null;
        if (path.isEmpty()) {
            why = "it is empty";
        } else if (path.length() > 512) {
            why = "it is longer than 512 characters";
        } else if (path.startsWith("/") || path.endsWith("/")) {
            why = "it starts or ends with '/'";
        } else if (path.contains("//")) {
            why = "it contains an empty segment ('//')";
        } else if (path.split("/", -1).length > 10) {
            why = "it has more than 10 segments";
        }
        if (why != null) {
            throw new IllegalArgumentException("invalid secret path '" + path + "': " + why);
        }
        return path;
    }

    static List<String> segments(String path) {
        return List.of(path.split("/"));
    }

    static String dynamicCreds(String engine, String role) {
        return "/v1/dynamic/engines/" + nonBlank(engine, "engine") + "/creds/" + nonBlank(role, "role");
    }

    // [assumed] lease endpoints
    static String leaseRenew(String leaseId) {
        return "/v1/dynamic/leases/" + nonBlank(leaseId, "lease id") + "/renew";
    }

    static String leaseRevoke(String leaseId) {
        return "/v1/dynamic/leases/" + nonBlank(leaseId, "lease id") + "/revoke";
    }

    static String lease(String leaseId) {
        return "/v1/dynamic/leases/" + nonBlank(leaseId, "lease id");
    }

    private static String nonBlank(String s, String what) {
        if (s == null || s.isBlank() || s.contains("/")) {
            throw new IllegalArgumentException("invalid " + what + " '" + s + "': must be non-empty without '/'");
        }
        return s;
    }

    static final String SUBSCRIPTIONS = "/v1/subscriptions";

    static String subscriptionPoll(String id) {
        return SUBSCRIPTIONS + "/" + nonBlank(id, "subscription id") + "/poll";
    }

    static String subscriptionAck(String id) {
        return SUBSCRIPTIONS + "/" + nonBlank(id, "subscription id") + "/ack";
    }

    // ---- request bodies ----------------------------------------------------------------------------

    static byte[] exchangeBody(String subjectToken, String role, String audience) {
        ObjectNode n = JSON.createObjectNode();
        n.put("subject_token", subjectToken);
        n.put("subject_token_type", SUBJECT_TOKEN_TYPE);
        if (role != null) {
            n.put("role", role);
        }
        if (audience != null) {
            n.put("audience", audience);
        }
        return bytes(n);
    }

    static byte[] writeBody(Map<String, ?> data, String secretType, Map<String, ?> metadata) {
        ObjectNode n = JSON.createObjectNode();
        n.set("data", JSON.valueToTree(data));
        if (secretType != null) {
            n.put("secret_type", secretType);
        }
        if (metadata != null && !metadata.isEmpty()) {
            n.set("metadata", JSON.valueToTree(metadata));
        }
        return bytes(n);
    }

    static byte[] batchBody(List<String> paths) {
        ObjectNode n = JSON.createObjectNode();
        n.set("paths", JSON.valueToTree(paths));
        n.putObject("options").put("fail_fast", false);
        return bytes(n);
    }

    /** [assumed] generate body: optional {@code {"ttl": "<seconds>s"}}. */
    static byte[] generateBody(Duration ttl) {
        ObjectNode n = JSON.createObjectNode();
        if (ttl != null) {
            n.put("ttl", ttl.toSeconds() + "s");
        }
        return bytes(n);
    }

    /** [assumed] renew body: {@code {"increment": <seconds>}}. */
    static byte[] renewBody(Duration increment) {
        ObjectNode n = JSON.createObjectNode();
        if (increment != null) {
            n.put("increment", Math.max(1, increment.toSeconds()));
        }
        return bytes(n);
    }

    static byte[] subscribeBody(String name, List<String> paths, List<String> events) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", name);
        n.set("paths", JSON.valueToTree(paths));
        n.set("events", JSON.valueToTree(events));
        n.putObject("delivery").put("type", "polling").put("buffer_size", 1000);
        return bytes(n);
    }

    static byte[] ackBody(List<String> eventIds) {
        ObjectNode n = JSON.createObjectNode();
        n.set("event_ids", JSON.valueToTree(eventIds));
        return bytes(n);
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a request body", e);
        }
    }

    // ---- responses ---------------------------------------------------------------------------------

    static JsonNode parse(byte[] body, String what) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw new ScaiVaultException(what + ": the response is not a JSON object");
            }
            return n;
        } catch (StreamConstraintsException e) {
            // These messages state the limit and the size found, never the input.
            throw new ScaiVaultException(what + ": the response exceeds a parser limit: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the offending input, which may be secret: keep only the location.
            throw new ScaiVaultException(what + ": the response is not valid JSON (at "
                    + (e.getLocation() == null ? "?" : e.getLocation().offsetDescription()) + ")");
        } catch (java.io.IOException e) {
            throw new ScaiVaultException(what + ": the response could not be read");
        }
    }

    static Secret secret(JsonNode n, String requestedPath) {
        JsonNode data = n.get("data");
        if (data == null || !data.isObject()) {
            throw new ScaiVaultException("secret " + requestedPath + ": the response has no data object");
        }
        checkKeys(data, "secret " + requestedPath);
        Map<String, Object> values = JSON.convertValue(
                data, JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
        JsonNode meta = n.path("metadata");
        List<String> tags = new ArrayList<>();
        meta.path("tags").forEach(t -> tags.add(t.asText()));
        return new Secret(
                text(n, "path", requestedPath),
                n.path("version").asLong(0),
                text(n, "secret_type", "kv"),
                values,
                new Secret.Metadata(text(meta, "description", null), tags, text(meta, "owner", null)),
                instant(n, "created_at"),
                instant(n, "updated_at"),
                instant(n, "expires_at"));
    }

    static SecretVersion written(JsonNode n, String path) {
        return new SecretVersion(text(n, "path", path), n.path("version").asLong(0), instant(n, "updated_at"));
    }

    static BatchResult batch(JsonNode n, UnaryOperator<String> scrub) {
        Map<String, Secret> secrets = new LinkedHashMap<>();
        n.path("secrets").fields().forEachRemaining(e -> {
            if (!e.getValue().isObject()) {
                throw new ScaiVaultException("batch: the entry for " + e.getKey() + " is not a secret object");
            }
            ObjectNode s = e.getValue().deepCopy();
            if (!s.has("path")) {
                s.put("path", e.getKey());
            }
            secrets.put(e.getKey(), secret(s, e.getKey()));
        });
        Map<String, BatchResult.Error> errors = new LinkedHashMap<>();
        n.path("errors")
                .fields()
                .forEachRemaining(e -> errors.put(
                        e.getKey(),
                        new BatchResult.Error(
                                code(text(e.getValue(), "code", null), "unknown"),
                                scrub.apply(text(e.getValue(), "message", "")))));
        return new BatchResult(secrets, errors);
    }

    static Identity identity(JsonNode n) {
        return new Identity(
                text(n, "identity_id", null),
                text(n, "identity_type", null),
                text(n, "display_name", null),
                text(n, "tenant_id", null),
                strings(n.path("scopes")),
                strings(n.path("roles")),
                instant(n, "token_expires_at"));
    }

    static EventSubscription subscription(JsonNode n) {
        String id = text(n, "id", text(n, "subscription_id", null));
        if (id == null) {
            throw new ScaiVaultException("create subscription: the response has no id");
        }
        if (identifier(id) == null) {
            throw new ScaiVaultException("create subscription: the response's id is not an identifier");
        }
        return new EventSubscription(id, text(n, "name", null), text(n, "status", null));
    }

    static EventBatch events(JsonNode n) {
        List<Event> out = new ArrayList<>();
        for (JsonNode e : n.path("events")) {
            checkKeys(e.path("data"), "event " + text(e, "event_id", "?"));
            Map<String, Object> data = e.path("data").isObject()
                    ? JSON.convertValue(
                            e.get("data"),
                            JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class))
                    : Map.of();
            out.add(new Event(
                    text(e, "event_id", null),
                    text(e, "event_type", null),
                    instant(e, "timestamp"),
                    text(e, "path", null),
                    data));
        }
        return new EventBatch(out, n.path("has_more").asBoolean(false));
    }

    /**
     * [assumed] lease object, parsed leniently: {@code id} or {@code lease_id}; {@code lease_duration} or
     * {@code ttl} (seconds); the expiry is {@code now} plus that duration, or {@code expires_at} without one.
     *
     * <p>The relative duration wins over the server's absolute times, because those are on the server's clock:
     * a server 5 minutes ahead would otherwise make a lease look 5 minutes longer than it is (renewed too
     * late), one behind could make a fresh lease look expired. When both are sent, the server's "now" is
     * {@code expires_at - lease_duration}, and every absolute time of the lease is moved onto our clock by the
     * difference (to within the answer's latency and the rounding of the whole-second {@code lease_duration}).
     * A difference of at most {@link #CLOCKS_AGREE} is latency and rounding: the server's times are then used
     * as sent.
     */
    static Lease lease(JsonNode n, Instant now, String engine, String role) {
        String id = text(n, "lease_id", text(n, "id", null));
        if (id == null) {
            throw new ScaiVaultException("lease of " + engine + "/" + role + ": the response has no lease_id");
        }
        if (identifier(id) == null) {
            // Lease ids go into every log line about the lease: only an id, never text, may.
            throw new ScaiVaultException("lease of " + engine + "/" + role
                    + ": the response's lease_id is not an identifier (letters, digits, '_', '.', ':', '-')");
        }
        checkKeys(n.path("data"), "lease " + id);
        long seconds = n.has("lease_duration")
                ? n.path("lease_duration").asLong()
                : n.path("ttl").asLong(-1);
        Instant serverExpires = instant(n, "expires_at");
        Instant expires;
        Duration skew = Duration.ZERO;
        if (seconds >= 0) {
            try {
                expires = now.plusSeconds(seconds);
                if (serverExpires != null) {
                    skew = Duration.between(serverExpires.minusSeconds(seconds), now);
                    if (skew.abs().compareTo(CLOCKS_AGREE) <= 0) {
                        // Latency and rounding, not skew: the absolute expiry, sent at full precision, is better.
                        skew = Duration.ZERO;
                        expires = serverExpires;
                    }
                }
            } catch (DateTimeException | ArithmeticException e) {
                throw new ScaiVaultException("lease " + id + ": lease_duration " + seconds + " s is out of range");
            }
        } else if (serverExpires != null) {
            expires = serverExpires;
        } else {
            throw new ScaiVaultException("lease " + id + ": the response has neither expires_at nor lease_duration");
        }
        Instant issued = shifted(instant(n, "issued_at"), skew, now);
        Duration duration = seconds >= 0 ? Duration.ofSeconds(seconds) : Duration.between(issued, expires);
        Map<String, String> data = new LinkedHashMap<>();
        n.path("data")
                .fields()
                .forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return Lease.builder()
                .id(id)
                .engine(text(n, "engine", engine))
                .role(text(n, "role", role))
                .duration(duration)
                .renewable(n.path("renewable").asBoolean(true))
                .issuedAt(issued)
                .expiresAt(expires)
                .maxExpiresAt(shifted(instant(n, "max_expires_at"), skew, null))
                .data(data)
                .build();
    }

    /**
     * Below this, a gap between the server's "now" (estimated as {@code expires_at - lease_duration}) and ours
     * is not taken for skew: the estimate also holds the answer's latency (we are handed our clock at receipt,
     * not at sending) and the rounding of the whole-second duration, so a small gap is noise and the server's
     * precise absolute times are better. 30 s is the default call budget, the most latency there can be.
     */
    static final Duration CLOCKS_AGREE = Duration.ofSeconds(30);

    /** {@code t} moved by {@code skew}, or {@code fallback} when it is absent or the move overflows. */
    private static Instant shifted(Instant t, Duration skew, Instant fallback) {
        if (t == null) {
            return fallback;
        }
        try {
            return t.plus(skew);
        } catch (DateTimeException | ArithmeticException e) {
            return fallback;
        }
    }

    /**
     * [assumed] exchange response, parsed leniently: the token in {@code access_token} or {@code token}; its
     * life from {@code expires_in} (seconds) or {@code expires_at} (ISO-8601) or else the JWT {@code exp}
     * claim; {@code null} expiry when none says.
     *
     * <p>{@code serverDate} (the answer's {@code Date} header, may be {@code null}) anchors an absolute
     * expiry: {@code expires_at} and {@code exp} are on the server's clock, so the token lives {@code expiry -
     * serverDate} from {@code now}. Without that, a server 5 minutes ahead would have us keep a token 5
     * minutes past its end, and one 5 minutes behind would make a 5-minute token look dead on arrival.
     */
    static IssuedToken issuedToken(JsonNode n, Instant now, Instant serverDate, String what) {
        String token = text(n, "access_token", text(n, "token", null));
        if (token == null || token.isEmpty()) {
            throw new ScaiVaultException(what + ": the response has no access_token");
        }
        Instant expires = null;
        if (n.hasNonNull("expires_in")) {
            long seconds = n.path("expires_in").asLong();
            try {
                expires = now.plusSeconds(seconds);
            } catch (DateTimeException | ArithmeticException e) {
                throw new ScaiVaultException(what + ": expires_in " + seconds + " s is out of range");
            }
        } else {
            Instant absolute = n.hasNonNull("expires_at") ? instant(n, "expires_at") : jwtExpiry(token);
            expires = absolute == null || serverDate == null
                    ? absolute
                    : shifted(absolute, Duration.between(serverDate, now), absolute);
        }
        return new IssuedToken(token, now, expires);
    }

    /** An RFC 1123 HTTP date (the {@code Date} header), or {@code null}. */
    static Instant httpDate(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    /**
     * Whether a {@code Content-Type} may carry ScaiVault's JSON: {@code application/json} or a {@code +json}
     * type, any parameters; an absent header is let through (the body must still parse).
     */
    static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
    }

    /** The {@code exp} claim of a JWT, or {@code null} if {@code token} is not a JWT with one. */
    static Instant jwtExpiry(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims != null && claims.path("exp").isNumber()
                    ? Instant.ofEpochSecond(claims.path("exp").asLong())
                    : null;
        } catch (IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }

    /**
     * Decodes an error answer. The envelope is {@code {"error":{"code","message","request_id"}}}; ScaiKey's
     * OAuth errors are {@code {"error":"invalid_client"}}; anything else (a proxy's HTML, an empty body) gives
     * {@code http_<status>}.
     *
     * <p>Every part of the answer is the server's text, which an echoing server, proxy or OAuth endpoint can
     * fill with what we sent it: the code and request id are kept only when shaped like one, and the free
     * text goes through {@code scrub} (see {@link Redactor}) before it joins the message.
     */
    static ScaiVaultApiException error(
            String what,
            int status,
            byte[] body,
            String requestIdHeader,
            String retryAfterHeader,
            Instant now,
            UnaryOperator<String> scrub) {
        String code = "http_" + status;
        String message = null;
        String requestId = identifier(requestIdHeader);
        try {
            JsonNode n = body.length == 0 ? null : JSON.readTree(body);
            JsonNode err = n == null ? null : n.get("error");
            if (err != null && err.isObject()) {
                code = code(text(err, "code", null), code);
                message = text(err, "message", null);
                String id = identifier(text(err, "request_id", null));
                requestId = id != null ? id : requestId;
            } else if (err != null && err.isTextual()) {
                code = code(err.asText(), code);
                message = text(n, "error_description", null);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not JSON: keep the status-derived code.
        }
        Duration retryAfter = retryAfter(retryAfterHeader, now);
        StringBuilder m = new StringBuilder(what)
                .append(": HTTP ")
                .append(status)
                .append(' ')
                .append(code);
        String said = message == null ? null : scrub.apply(message);
        if (said != null && !said.isBlank()) {
            m.append(" (").append(said).append(')');
        }
        if (retryAfter != null) {
            m.append(", retry after ").append(retryAfter.toMillis()).append(" ms");
        }
        if (requestId != null) {
            m.append(" [request ").append(requestId).append(']');
        }
        String msg = m.toString();
        return switch (status) {
            case 401 -> new AuthenticationException(msg, status, code, requestId, retryAfter);
            case 403 -> new AccessDeniedException(msg, status, code, requestId, retryAfter);
            case 404 -> new NotFoundException(msg, status, code, requestId, retryAfter);
            case 429 -> new RateLimitedException(msg, status, code, requestId, retryAfter);
            default -> {
                if ("invalid_client".equals(code) || "invalid_grant".equals(code)) {
                    yield new AuthenticationException(msg, status, code, requestId, retryAfter);
                }
                yield new ScaiVaultApiException(msg, status, code, requestId, retryAfter);
            }
        };
    }

    private static final java.util.regex.Pattern CODE = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    /** An error code as the server sent it if it looks like one ({@code token_expired}), else {@code fallback}. */
    private static String code(String sent, String fallback) {
        return sent != null && CODE.matcher(sent).matches() ? sent : fallback;
    }

    /** A request or lease id as the server sent it if it looks like one, else {@code null}. */
    static String identifier(String sent) {
        return sent != null && IDENTIFIER.matcher(sent).matches() ? sent : null;
    }

    /**
     * Longer waits are read as this: a day is beyond any call budget anyway, and a larger value (a fuzzer sent
     * more than 9.2e15 seconds) would overflow the millisecond arithmetic of the retry policy.
     */
    static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

    /** {@code Retry-After} as delta seconds or (accepted too, [assumed]) an HTTP date, at most a day. */
    static Duration retryAfter(String header, Instant now) {
        Duration d = parseRetryAfter(header, now);
        return d != null && d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
    }

    private static Duration parseRetryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim();
        try {
            long s = Long.parseLong(h);
            return Duration.ofSeconds(Math.max(0, s));
        } catch (NumberFormatException e) {
            Instant at = httpDate(h);
            if (at == null) {
                return null;
            }
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        }
    }

    private static String text(JsonNode n, String field, String fallback) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(v -> out.add(v.asText()));
        return List.copyOf(out);
    }

    private static Instant instant(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            try {
                return Instant.ofEpochSecond(v.asLong());
            } catch (DateTimeException e) {
                // Beyond year 1,000,000,000: as useless as an unparsable date, and treated the same.
                return null;
            }
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(v.asText()).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static void checkKeys(JsonNode data, String what) {
        if (data.size() > MAX_KEYS) {
            throw new ScaiVaultException(
                    what + ": the response has " + data.size() + " keys, more than the limit of " + MAX_KEYS);
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A bearer token and what we know of its life. {@code toString()} hides the token. */
    record IssuedToken(String value, Instant issuedAt, Instant expiresAt) {
        @Override
        public String toString() {
            return "IssuedToken{issuedAt=" + issuedAt + ", expiresAt=" + expiresAt + '}';
        }
    }
}
