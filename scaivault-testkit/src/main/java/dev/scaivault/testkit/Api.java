package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP surface of the dev server: routing, authentication, rate limits, faults and the request log. */
final class Api implements HttpCore.Handler {
    private static final Logger log = LoggerFactory.getLogger(ScaiVaultDevServer.class);
    static final String DEFAULT_TENANT = "tnt_dev";
    static final String OPERATOR = "idn_devserver_operator";

    private final ScaiVaultDevServer.Config config;
    private final Clock clock;
    private final Tokens tokens;
    private final SecretStore secrets;
    private final Events events;
    private final Leases leases;
    private final RateLimiter limiter;
    private final Faults faults;
    private final Jwt jwt;
    /** Bounded, so a standalone server that runs for days does not keep every body it ever received. */
    private final java.util.ArrayDeque<RecordedRequest> requests = new java.util.ArrayDeque<>();

    private volatile boolean ready = true;

    Api(
            ScaiVaultDevServer.Config config,
            Tokens tokens,
            SecretStore secrets,
            Events events,
            Leases leases,
            RateLimiter limiter,
            Faults faults,
            Jwt jwt) {
        this.config = config;
        this.clock = config.clock;
        this.tokens = tokens;
        this.secrets = secrets;
        this.events = events;
        this.leases = leases;
        this.limiter = limiter;
        this.faults = faults;
        this.jwt = jwt;
    }

    List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    void clearRequests() {
        synchronized (requests) {
            requests.clear();
        }
    }

    void ready(boolean ready) {
        this.ready = ready;
    }

    /** Per-request state. */
    private static final class Ctx {
        final HttpCore.Request raw;
        final Map<String, String> query;
        final String requestId;
        final String clientKey;
        RateCategory category = RateCategory.OTHER;
        RateLimiter.Outcome rate;
        String tenant;

        Ctx(HttpCore.Request raw, Map<String, String> query, String requestId) {
            this.raw = raw;
            this.query = query;
            this.requestId = requestId;
            this.clientKey = "addr:" + raw.remote().getHostAddress();
        }
    }

    @Override
    public HttpCore.Response handle(HttpCore.Request raw) {
        String requestId = "req_" + Ids.hex(24);
        Map<String, String> query = parseQuery(raw.rawQuery());
        RecordedRequest rec = new RecordedRequest(
                raw.method(),
                raw.path(),
                raw.rawQuery(),
                query,
                Collections.unmodifiableMap(raw.headers()),
                new String(raw.body(), StandardCharsets.UTF_8),
                clock.instant(),
                requestId);
        synchronized (requests) {
            requests.addLast(rec);
            if (requests.size() > config.requestLogLimit) {
                requests.removeFirst();
            }
        }
        Ctx ctx = new Ctx(raw, query, requestId);
        HttpCore.Response r;
        try {
            sleep(faults.latencyFor(raw.method(), raw.path()));
            Fault f = faults.next(raw.method(), raw.path());
            if (f != null && f.kind == Fault.Kind.DELAY) {
                sleep(f.delay);
                f = null;
            }
            if (f != null && (f.kind == Fault.Kind.ERROR || f.kind == Fault.Kind.STATUS)) {
                ctx.category = categoryOf(raw.method(), raw.path());
                r = injected(f, ctx);
            } else {
                r = route(ctx);
                if (f != null) {
                    switch (f.kind) {
                        case DROP:
                            r.drop = true;
                            break;
                        case TRUNCATE:
                            r.truncate = true;
                            break;
                        case WRONG_CONTENT_TYPE:
                            r.headers.put("Content-Type", "text/html; charset=utf-8");
                            break;
                        default:
                            throw new IllegalStateException("unhandled fault " + f);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r = new HttpCore.Response(503);
            r.drop = true;
        }
        RateLimiter.Outcome rate = ctx.rate != null ? ctx.rate : limiter.peek(ctx.clientKey, ctx.category);
        r.headers.put("X-Request-ID", requestId);
        // On the server's clock, so a skewed server (builder clock(...)) is skewed in its Date header too.
        r.headers.put(
                "Date",
                java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        clock.instant().atOffset(java.time.ZoneOffset.UTC)));
        r.headers.put("X-RateLimit-Limit", Integer.toString(rate.limit()));
        r.headers.put("X-RateLimit-Remaining", Integer.toString(rate.remaining()));
        r.headers.put("X-RateLimit-Reset", Long.toString(rate.resetEpochSecond()));
        rec.status(r.drop ? -1 : r.status);
        log.debug("{} {} -> {} ({})", raw.method(), raw.path(), r.drop ? "dropped" : r.status, requestId);
        return r;
    }

    private static void sleep(Duration d) throws InterruptedException {
        if (d != null && !d.isZero()) {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        }
    }

    private HttpCore.Response injected(Fault f, Ctx ctx) {
        if (f.kind == Fault.Kind.STATUS) {
            HttpCore.Response r = new HttpCore.Response(f.status);
            if (f.contentType != null) {
                r.headers.put("Content-Type", f.contentType);
            }
            r.body = f.rawBody.getBytes(StandardCharsets.UTF_8);
            return r;
        }
        Map<String, String> headers = f.retryAfter == null ? Map.of() : Map.of("Retry-After", f.retryAfter);
        return error(
                new ApiError(f.status, f.code, "injected by the dev server's fault script", Map.of(), headers), ctx);
    }

    private HttpCore.Response error(ApiError e, Ctx ctx) {
        ObjectNode err = Json.obj();
        ObjectNode inner = err.putObject("error");
        inner.put("code", e.code);
        inner.put("message", e.getMessage());
        inner.set("details", Json.MAPPER.valueToTree(e.details));
        inner.put("request_id", ctx.requestId);
        HttpCore.Response r = json(e.status, err);
        r.headers.putAll(e.headers);
        return r;
    }

    private static HttpCore.Response json(int status, JsonNode body) {
        HttpCore.Response r = new HttpCore.Response(status);
        r.headers.put("Content-Type", "application/json");
        r.body = Json.bytes(body);
        return r;
    }

    private static HttpCore.Response noContent() {
        return new HttpCore.Response(204);
    }

    static RateCategory categoryOf(String method, String rawPath) {
        String path = rawPath.replaceFirst("^/v1/t/[^/]+/", "/v1/");
        List<String> s = List.of(path.split("/"));
        if (path.endsWith("/oauth/token") || path.startsWith("/v1/auth/exchange")) {
            return RateCategory.AUTH;
        }
        if (s.size() < 3 || !s.get(1).equals("v1")) {
            return RateCategory.OTHER;
        }
        switch (s.get(2)) {
            case "auth":
                return RateCategory.WHOAMI;
            case "secrets":
                if (s.size() == 4 && s.get(3).equals("batch") && method.equals("POST")) {
                    return RateCategory.BATCH;
                }
                return method.equals("GET") ? RateCategory.READ : RateCategory.WRITE;
            case "dynamic":
                if (s.size() > 3 && s.get(3).equals("engines")) {
                    return RateCategory.DYNAMIC;
                }
                return method.equals("POST") ? RateCategory.LEASE : RateCategory.OTHER;
            case "subscriptions":
                return rawPath.endsWith("/poll") ? RateCategory.POLL : RateCategory.OTHER;
            default:
                return RateCategory.OTHER;
        }
    }

    private HttpCore.Response route(Ctx ctx) {
        String method = ctx.raw.method();
        ctx.category = categoryOf(method, ctx.raw.path());
        try {
            List<String> segs = segments(ctx.raw.path());
            if (segs.equals(List.of("oauth", "token"))
                    || segs.equals(List.of("api", "v1", "platform", "oauth", "token"))) {
                return allow(ctx, "POST") ? oauthToken(ctx) : methodNotAllowed(ctx);
            }
            if (segs.isEmpty() || !segs.get(0).equals("v1")) {
                throw ApiError.notFound("not_found", "no such endpoint: " + ctx.raw.path());
            }
            segs = new ArrayList<>(segs.subList(1, segs.size()));
            if (segs.size() >= 2 && segs.get(0).equals("t")) {
                ctx.tenant = segs.get(1);
                segs = new ArrayList<>(segs.subList(2, segs.size()));
            }
            // A trailing slash leaves an empty last segment: a secret path turns it into invalid_path, other
            // routes ignore it.
            if (!segs.isEmpty()
                    && !segs.get(0).equals("secrets")
                    && segs.get(segs.size() - 1).isEmpty()) {
                segs.remove(segs.size() - 1);
            }
            if (segs.isEmpty()) {
                throw ApiError.notFound("not_found", "no such endpoint: " + ctx.raw.path());
            }
            String head = segs.get(0);
            int n = segs.size();
            if (head.equals("health") && n == 1) {
                return allow(ctx, "GET") ? health(ctx) : methodNotAllowed(ctx);
            }
            if (head.equals("health") && n == 2 && segs.get(1).equals("ready")) {
                return allow(ctx, "GET") ? readiness(ctx) : methodNotAllowed(ctx);
            }
            if (head.equals("version") && n == 1) {
                return allow(ctx, "GET") ? version(ctx) : methodNotAllowed(ctx);
            }
            if (head.equals("auth") && n == 2 && segs.get(1).equals("exchange")) {
                return allow(ctx, "POST") ? exchange(ctx) : methodNotAllowed(ctx);
            }
            if (head.equals("auth") && n == 2 && segs.get(1).equals("whoami")) {
                return allow(ctx, "GET") ? whoami(ctx, authenticate(ctx)) : methodNotAllowed(ctx);
            }
            if (head.equals("secrets") && n == 2 && segs.get(1).equals("batch") && method.equals("POST")) {
                return batch(ctx, authenticate(ctx));
            }
            if (head.equals("secrets") && n >= 2) {
                String path = String.join("/", segs.subList(1, n));
                switch (method) {
                    case "GET":
                        return readSecret(ctx, authenticate(ctx), path);
                    case "PUT":
                        return writeSecret(ctx, authenticate(ctx), path);
                    case "DELETE":
                        Tokens.Token t = authenticate(ctx);
                        secrets.delete(path, new SecretStore.Actor(t.identityId, ctx.requestId));
                        return noContent();
                    default:
                        return methodNotAllowed(ctx);
                }
            }
            if (head.equals("secrets") && n == 1) {
                throw ApiError.badRequest("invalid_path", "the secret path is empty");
            }
            if (head.equals("dynamic")) {
                return dynamic(ctx, segs);
            }
            if (head.equals("subscriptions")) {
                return subscriptions(ctx, segs);
            }
            throw ApiError.notFound("not_found", "no such endpoint: " + ctx.raw.path());
        } catch (ApiError e) {
            return error(e, ctx);
        } catch (RuntimeException e) {
            log.warn("dev server failed on {} {} ({})", method, ctx.raw.path(), ctx.requestId, e);
            return error(
                    new ApiError(
                            500,
                            "internal_error",
                            "the dev server failed: " + e.getClass().getName()),
                    ctx);
        }
    }

    private static boolean allow(Ctx ctx, String method) {
        return ctx.raw.method().equals(method);
    }

    private HttpCore.Response methodNotAllowed(Ctx ctx) {
        return error(
                new ApiError(405, "method_not_allowed", ctx.raw.method() + " is not allowed on " + ctx.raw.path()),
                ctx);
    }

    /** Authenticates, then takes one token from the (identity, category) bucket. */
    private Tokens.Token authenticate(Ctx ctx) {
        Tokens.Token t = tokens.authenticate(ctx.raw.header("Authorization"));
        limit(ctx, "idn:" + t.identityId);
        return t;
    }

    private void limit(Ctx ctx, String key) {
        RateLimiter.Outcome o = limiter.consume(key, ctx.category);
        ctx.rate = o;
        if (!o.allowed()) {
            throw new ApiError(
                    429,
                    "rate_limited",
                    "rate limit of " + o.limit() + " per minute for "
                            + ctx.category.name().toLowerCase(java.util.Locale.ROOT) + " exceeded",
                    Map.of("category", ctx.category.name().toLowerCase(java.util.Locale.ROOT), "limit", o.limit()),
                    Map.of("Retry-After", Long.toString(o.retryAfterSeconds())));
        }
    }

    private HttpCore.Response health(Ctx ctx) {
        limit(ctx, ctx.clientKey);
        return json(200, Json.obj().put("status", "healthy").put("timestamp", Json.time(clock.instant())));
    }

    private HttpCore.Response readiness(Ctx ctx) {
        limit(ctx, ctx.clientKey);
        ObjectNode o = Json.obj().put("status", ready ? "ready" : "not_ready");
        String check = ready ? "ok" : "unavailable";
        o.putObject("checks").put("database", check).put("redis", check).put("encryption", check);
        return json(ready ? 200 : 503, o);
    }

    private HttpCore.Response version(Ctx ctx) {
        limit(ctx, ctx.clientKey);
        return json(
                200,
                Json.obj()
                        .put("version", ScaiVaultDevServer.VERSION)
                        .put("api_version", "v1")
                        .put("server", "scaivault-testkit dev server"));
    }

    private HttpCore.Response exchange(Ctx ctx) {
        limit(ctx, ctx.clientKey);
        JsonNode body = Json.parseBody(ctx.raw.body());
        if (!body.isObject()) {
            throw ApiError.badRequest("invalid_request", "the exchange body must be a JSON object with subject_token");
        }
        JsonNode st = body.get("subject_token");
        if (st == null || !st.isTextual() || st.asText().isBlank()) {
            throw ApiError.badRequest("invalid_request", "subject_token is missing");
        }
        JsonNode type = body.get("subject_token_type");
        if (type != null && !type.isNull() && !type.asText().equals("urn:ietf:params:oauth:token-type:jwt")) {
            throw ApiError.badRequest(
                    "invalid_request",
                    "subject_token_type " + type.asText() + " is not urn:ietf:params:oauth:token-type:jwt");
        }
        Jwt.Claims claims = jwt.verify(st.asText(), clock.instant(), config.subjectTokenAudience);
        String identity = claims.subject();
        String token = tokens.issue(identity, "service_account", List.of("*"), config.issuedTokenLifetime);
        ObjectNode o = Json.obj()
                .put("access_token", token)
                .put("token_type", "Bearer")
                .put("expires_in", config.issuedTokenLifetime.toSeconds())
                .put("identity_id", identity);
        return json(200, o);
    }

    private HttpCore.Response oauthToken(Ctx ctx) {
        limit(ctx, ctx.clientKey);
        Map<String, String> form = parseQuery(new String(ctx.raw.body(), StandardCharsets.UTF_8));
        String clientId = form.get("client_id");
        String clientSecret = form.get("client_secret");
        String auth = ctx.raw.header("Authorization");
        boolean basic = auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6);
        if (basic) {
            String decoded;
            try {
                decoded =
                        new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return oauthError(401, "invalid_client", "the Basic credentials are not base64", true);
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return oauthError(401, "invalid_client", "the Basic credentials have no ':'", true);
            }
            clientId = decoded.substring(0, colon);
            clientSecret = decoded.substring(colon + 1);
        }
        String grant = form.get("grant_type");
        if (grant == null) {
            return oauthError(400, "invalid_request", "grant_type is missing", false);
        }
        if (!grant.equals("client_credentials")) {
            return oauthError(400, "unsupported_grant_type", "only client_credentials is supported", false);
        }
        if (clientId == null || clientSecret == null || !config.clientMatches(clientId, clientSecret)) {
            return oauthError(401, "invalid_client", "client authentication failed", basic);
        }
        String scope = form.getOrDefault("scope", "").trim();
        List<String> scopes = scope.isEmpty() ? List.of("*") : List.of(scope.split("\\s+"));
        String token = tokens.issue(clientId, "client", scopes, config.issuedTokenLifetime);
        ObjectNode o = Json.obj()
                .put("access_token", token)
                .put("token_type", "Bearer")
                .put("expires_in", config.issuedTokenLifetime.toSeconds())
                .put("scope", scope);
        HttpCore.Response r = json(200, o);
        r.headers.put("Cache-Control", "no-store");
        return r;
    }

    private static HttpCore.Response oauthError(int status, String error, String description, boolean basic) {
        HttpCore.Response r = json(status, Json.obj().put("error", error).put("error_description", description));
        if (status == 401 && basic) {
            r.headers.put("WWW-Authenticate", "Basic realm=\"scaikey\"");
        }
        return r;
    }

    private HttpCore.Response whoami(Ctx ctx, Tokens.Token t) {
        ObjectNode o = Json.obj();
        o.put("identity_id", t.identityId);
        o.put("identity_type", t.identityType);
        o.put("display_name", t.identityId);
        o.put("tenant_id", tenant(ctx));
        o.putNull("partner_id");
        ArrayNode scopes = o.putArray("scopes");
        t.scopes.forEach(scopes::add);
        o.putArray("groups");
        o.putArray("roles");
        o.putNull("mfa_verified_at");
        o.put("token_expires_at", Json.time(t.expiresAt));
        return json(200, o);
    }

    private static String tenant(Ctx ctx) {
        String h = ctx.raw.header("X-Tenant-ID");
        if (h != null && !h.isBlank()) {
            return h.trim();
        }
        return ctx.tenant != null ? ctx.tenant : DEFAULT_TENANT;
    }

    private HttpCore.Response readSecret(Ctx ctx, Tokens.Token t, String path) {
        Long version = null;
        String v = ctx.query.get("version");
        if (v != null) {
            try {
                version = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("invalid_request", "version must be a positive integer: " + v);
            }
            if (version < 1) {
                throw ApiError.badRequest("invalid_request", "version must be a positive integer: " + v);
            }
        }
        return json(200, secrets.read(path, version, true, true));
    }

    private HttpCore.Response writeSecret(Ctx ctx, Tokens.Token t, String path) {
        SecretStore.validatePath(path);
        JsonNode body = Json.parseBody(ctx.raw.body());
        if (!body.isObject()) {
            throw new ApiError(
                    422,
                    "validation_error",
                    "the body must be a JSON object with data",
                    Map.of("fields", Map.of("data", "is required")));
        }
        JsonNode type = body.get("secret_type");
        if (type != null && !type.isNull() && !type.isTextual()) {
            throw ApiError.badRequest("invalid_secret_type", "secret_type must be a string");
        }
        JsonNode opts = body.path("options");
        SecretStore.Options o = SecretStore.Options.NONE;
        if (opts.isObject()) {
            Integer max = null;
            JsonNode mv = opts.get("max_versions");
            if (mv != null && !mv.isNull()) {
                if (!mv.isIntegralNumber() || mv.asInt() < 1) {
                    throw new ApiError(
                            422,
                            "validation_error",
                            "options.max_versions must be a positive integer",
                            Map.of("fields", Map.of("options.max_versions", "must be a positive integer")));
                }
                max = mv.asInt();
            }
            Duration expiresIn = Durations.parse(opts.get("expires_in"), "options.expires_in");
            JsonNode rp = opts.get("rotation_policy_id");
            o = new SecretStore.Options(max, expiresIn, rp == null || rp.isNull() ? null : rp.asText());
        }
        ObjectNode out = secrets.put(
                path,
                type == null || type.isNull() ? null : type.asText(),
                body.get("data"),
                body.get("metadata"),
                o,
                new SecretStore.Actor(t.identityId, ctx.requestId));
        return json(200, out);
    }

    private HttpCore.Response batch(Ctx ctx, Tokens.Token t) {
        JsonNode body = Json.parseBody(ctx.raw.body());
        JsonNode paths = body.path("paths");
        if (!paths.isArray() || paths.isEmpty()) {
            throw ApiError.badRequest("invalid_request", "paths must be a non-empty array");
        }
        if (paths.size() > 100) {
            throw ApiError.badRequest("invalid_request", "a batch reads at most 100 paths, got " + paths.size());
        }
        JsonNode opts = body.path("options");
        boolean includeMetadata = opts.path("include_metadata").asBoolean(false);
        boolean failFast = opts.path("fail_fast").asBoolean(false);
        Long version = opts.hasNonNull("version") ? opts.get("version").asLong() : null;
        ObjectNode out = Json.obj();
        ObjectNode found = out.putObject("secrets");
        ObjectNode errors = out.putObject("errors");
        Set<String> unique = new LinkedHashSet<>();
        paths.forEach(p -> unique.add(p.asText()));
        for (String p : unique) {
            try {
                ObjectNode s = secrets.read(p, version, true, includeMetadata);
                s.remove("path");
                found.set(p, s);
            } catch (ApiError e) {
                if (failFast) {
                    throw new ApiError(e.status, e.code, e.getMessage(), Map.of("path", p));
                }
                errors.putObject(p).put("code", e.code).put("message", e.getMessage());
            }
        }
        return json(200, out);
    }

    private HttpCore.Response dynamic(Ctx ctx, List<String> segs) {
        int n = segs.size();
        String method = ctx.raw.method();
        if (n == 5 && segs.get(1).equals("engines") && segs.get(3).equals("creds")) {
            if (!method.equals("POST")) {
                return methodNotAllowed(ctx);
            }
            Tokens.Token t = authenticate(ctx);
            JsonNode body = Json.parseBody(ctx.raw.body());
            Duration ttl = body.isObject() ? Durations.parse(body.get("ttl"), "ttl") : null;
            return json(
                    200,
                    leases.create(segs.get(2), segs.get(4), ttl, new SecretStore.Actor(t.identityId, ctx.requestId)));
        }
        if (n >= 3 && segs.get(1).equals("leases")) {
            String id = segs.get(2);
            if (n == 3) {
                if (!method.equals("GET")) {
                    return methodNotAllowed(ctx);
                }
                authenticate(ctx);
                return json(200, leases.lookup(id));
            }
            if (n == 4 && segs.get(3).equals("renew")) {
                if (!method.equals("POST")) {
                    return methodNotAllowed(ctx);
                }
                Tokens.Token t = authenticate(ctx);
                JsonNode body = Json.parseBody(ctx.raw.body());
                Duration inc = body.isObject() ? Durations.parse(body.get("increment"), "increment") : null;
                return json(200, leases.renew(id, inc, new SecretStore.Actor(t.identityId, ctx.requestId)));
            }
            if (n == 4 && segs.get(3).equals("revoke")) {
                if (!method.equals("POST")) {
                    return methodNotAllowed(ctx);
                }
                Tokens.Token t = authenticate(ctx);
                leases.revoke(id, new SecretStore.Actor(t.identityId, ctx.requestId), true);
                return noContent();
            }
        }
        throw ApiError.notFound("not_found", "no such endpoint: " + ctx.raw.path());
    }

    private HttpCore.Response subscriptions(Ctx ctx, List<String> segs) {
        int n = segs.size();
        String method = ctx.raw.method();
        if (n == 1) {
            if (!method.equals("POST")) {
                return methodNotAllowed(ctx);
            }
            Tokens.Token t = authenticate(ctx);
            return createSubscription(ctx, t);
        }
        String id = segs.get(1);
        if (n == 2) {
            if (method.equals("GET")) {
                authenticate(ctx);
                return json(200, events.get(id).toJson());
            }
            if (method.equals("DELETE")) {
                authenticate(ctx);
                events.remove(id);
                return noContent();
            }
            return methodNotAllowed(ctx);
        }
        if (n == 3 && segs.get(2).equals("poll")) {
            if (!method.equals("GET")) {
                return methodNotAllowed(ctx);
            }
            authenticate(ctx);
            return poll(ctx, events.get(id));
        }
        if (n == 3 && segs.get(2).equals("ack")) {
            if (!method.equals("POST")) {
                return methodNotAllowed(ctx);
            }
            authenticate(ctx);
            Subscription s = events.get(id);
            JsonNode ids = Json.parseBody(ctx.raw.body()).path("event_ids");
            if (!ids.isArray()) {
                throw ApiError.badRequest("invalid_request", "event_ids must be an array");
            }
            Set<String> set = new LinkedHashSet<>();
            ids.forEach(i -> set.add(i.asText()));
            return json(200, Json.obj().put("acknowledged", s.ack(set)));
        }
        throw ApiError.notFound("not_found", "no such endpoint: " + ctx.raw.path());
    }

    private HttpCore.Response createSubscription(Ctx ctx, Tokens.Token t) {
        JsonNode body = Json.parseBody(ctx.raw.body());
        if (!body.isObject()) {
            throw ApiError.badRequest("invalid_request", "the subscription body must be a JSON object");
        }
        List<String> paths = strings(body.get("paths"), "paths");
        List<String> types = strings(body.get("events"), "events");
        JsonNode delivery = body.path("delivery");
        String type = delivery.path("type").asText("polling");
        if (!type.equals("polling")) {
            throw ApiError.badRequest(
                    "invalid_config", "the dev server supports delivery type polling only, not " + type);
        }
        int bufferSize = delivery.path("buffer_size").asInt(1000);
        if (bufferSize < 1 || bufferSize > 100_000) {
            throw ApiError.badRequest("invalid_config", "delivery.buffer_size must be 1..100000, got " + bufferSize);
        }
        String name = body.path("name").asText("subscription");
        Subscription s = events.add(new Subscription(name, t.identityId, paths, types, bufferSize, clock.instant()));
        return json(201, s.toJson());
    }

    private static List<String> strings(JsonNode node, String field) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw ApiError.badRequest("invalid_request", field + " must be an array of strings");
        }
        node.forEach(x -> out.add(x.asText()));
        return out;
    }

    private HttpCore.Response poll(Ctx ctx, Subscription s) {
        int timeout = intParam(ctx, "timeout", 30, 0, 60);
        int max = intParam(ctx, "max_events", 100, 1, 100);
        String since = ctx.query.get("since_event_id");
        long after = since == null || since.isEmpty() ? 0 : events.cursor(since);
        Subscription.Poll p;
        try {
            p = s.poll(after, max, timeout * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "service_unavailable", "the dev server is shutting down");
        }
        ObjectNode o = Json.obj();
        ArrayNode arr = o.putArray("events");
        p.events().forEach(e -> arr.add(e.envelope().deepCopy()));
        o.put("has_more", p.hasMore());
        return json(200, o);
    }

    private static int intParam(Ctx ctx, String name, int dflt, int min, int max) {
        String v = ctx.query.get(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        int i;
        try {
            i = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("invalid_request", name + " must be an integer " + min + ".." + max + ": " + v);
        }
        if (i < min || i > max) {
            throw ApiError.badRequest("invalid_request", name + " must be " + min + ".." + max + ", got " + i);
        }
        return i;
    }

    static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return Collections.unmodifiableMap(out);
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.putIfAbsent(
                        URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("invalid_request", "malformed percent-encoding in the query or form");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Splits the raw path and percent-decodes each segment ({@code +} stays a plus, as in any URL path). */
    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        String[] parts = rawPath.split("/", -1);
        for (int i = 1; i < parts.length; i++) {
            String seg = decode(parts[i]);
            if (seg.contains("/")) {
                throw ApiError.badRequest("invalid_path", "a path segment holds an encoded /");
            }
            out.add(seg);
        }
        return out;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw ApiError.badRequest("invalid_path", "malformed percent-encoding in the path");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw ApiError.badRequest("invalid_path", "malformed percent-encoding in the path");
                }
                buf.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                buf.write(b, 0, b.length);
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
