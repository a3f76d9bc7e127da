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
    /** {@code null}: no control plane, its routes answer 404 as any unknown path does. */
    private volatile ControlPlane controlPlane;

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

    void controlPlane(ControlPlane controlPlane) {
        this.controlPlane = controlPlane;
    }

    /** Per-request state. */
    static final class Ctx {
        final HttpCore.Request raw;
        final Map<String, String> query;
        final String requestId;
        final String clientKey;
        RateCategory category = RateCategory.OTHER;
        RateLimiter.Outcome rate;
        String tenant;
        /** What the route's {@code *} and {@code **} matched, in order. */
        List<String> params = List.of();

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
        Match match = null;
        ApiError malformed = null;
        Map<String, String> query = Map.of();
        try {
            match = match(raw.method(), raw.path());
            query = parseQuery(raw.rawQuery());
        } catch (ApiError e) {
            malformed = e;
        }
        if (match != null && match.route.scope == Scope.ADMIN && controlPlane != null) {
            // The control plane is not the API under test: no faults, rate limits or request log, so a fault
            // rule on "* /**" cannot lock the operator out and the log holds only what the application sent.
            HttpCore.Response r = dispatch(match, new Ctx(raw, query, requestId));
            r.headers.put("X-Request-ID", requestId);
            return r;
        }
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
        final Match m = match;
        final ApiError parseError = malformed;
        try {
            sleep(faults.latencyFor(raw.method(), raw.path()));
            Fault f = faults.next(raw.method(), raw.path());
            if (f != null && f.kind == Fault.Kind.DELAY) {
                sleep(f.delay);
                f = null;
            }
            if (f != null && (f.kind == Fault.Kind.ERROR || f.kind == Fault.Kind.STATUS)) {
                ctx.category = parseError != null ? RateCategory.OTHER : m.route.category;
                r = injected(f, ctx);
            } else {
                r = parseError != null ? error(parseError, ctx) : dispatch(m, ctx);
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

    static HttpCore.Response json(int status, JsonNode body) {
        HttpCore.Response r = new HttpCore.Response(status);
        r.headers.put("Content-Type", "application/json");
        r.body = Json.bytes(body);
        return r;
    }

    static HttpCore.Response noContent() {
        return new HttpCore.Response(204);
    }

    /** Where a route lives: under {@code /v1} (and a tenant prefix), at the root, or in the control plane. */
    enum Scope {
        V1,
        ROOT,
        ADMIN
    }

    @FunctionalInterface
    private interface Endpoint {
        HttpCore.Response handle(Api api, Ctx ctx);
    }

    /**
     * One endpoint. {@code pattern} is the path's segments after the scope's prefix ({@code /v1} and a tenant
     * prefix {@code /t/{tenant}}, {@code /_devserver}, or none): {@code *} matches one segment and {@code **}
     * (last) one or more; what they matched is handed to the endpoint in {@link Ctx#params}. {@code method}
     * {@code *} matches any method.
     */
    private record Route(String method, Scope scope, List<String> pattern, RateCategory category, Endpoint endpoint) {
        List<String> match(List<String> segs) {
            List<String> params = new ArrayList<>();
            for (int i = 0; i < pattern.size(); i++) {
                String p = pattern.get(i);
                if (p.equals("**")) {
                    if (i >= segs.size()) {
                        return null;
                    }
                    params.add(String.join("/", segs.subList(i, segs.size())));
                    return params;
                }
                if (i >= segs.size()) {
                    return null;
                }
                if (p.equals("*")) {
                    params.add(segs.get(i));
                } else if (!p.equals(segs.get(i))) {
                    return null;
                }
            }
            return segs.size() == pattern.size() ? params : null;
        }
    }

    private static Route route(String method, Scope scope, String pattern, RateCategory category, Endpoint e) {
        return new Route(method, scope, List.of(pattern.split("/")), category, e);
    }

    /**
     * Every endpoint, in matching order: the one table both the router and the rate categories (which a
     * fault answered before routing still reports) read, so the two can never parse a URL differently.
     */
    private static final List<Route> ROUTES = List.of(
            route("POST", Scope.ROOT, "oauth/token", RateCategory.AUTH, Api::oauthToken),
            route("POST", Scope.ROOT, "api/v1/platform/oauth/token", RateCategory.AUTH, Api::oauthToken),
            route("GET", Scope.V1, "health", RateCategory.OTHER, Api::health),
            route("GET", Scope.V1, "health/ready", RateCategory.OTHER, Api::readiness),
            route("GET", Scope.V1, "version", RateCategory.OTHER, Api::version),
            route("POST", Scope.V1, "auth/exchange", RateCategory.AUTH, Api::exchange),
            route(
                    "GET",
                    Scope.V1,
                    "auth/whoami",
                    RateCategory.WHOAMI,
                    (api, ctx) -> api.whoami(ctx, api.authenticate(ctx))),
            route(
                    "POST",
                    Scope.V1,
                    "secrets/batch",
                    RateCategory.BATCH,
                    (api, ctx) -> api.batch(ctx, api.authenticate(ctx))),
            route("GET", Scope.V1, "secrets/**", RateCategory.READ, Api::readSecret),
            route("PUT", Scope.V1, "secrets/**", RateCategory.WRITE, Api::writeSecret),
            route("DELETE", Scope.V1, "secrets/**", RateCategory.WRITE, Api::deleteSecret),
            route("*", Scope.V1, "secrets", RateCategory.OTHER, (api, ctx) -> {
                throw ApiError.badRequest("invalid_path", "the secret path is empty");
            }),
            route("POST", Scope.V1, "dynamic/engines/*/creds/*", RateCategory.DYNAMIC, Api::createLease),
            route("GET", Scope.V1, "dynamic/leases/*", RateCategory.OTHER, Api::lookupLease),
            route("POST", Scope.V1, "dynamic/leases/*/renew", RateCategory.LEASE, Api::renewLease),
            route("POST", Scope.V1, "dynamic/leases/*/revoke", RateCategory.LEASE, Api::revokeLease),
            route("POST", Scope.V1, "subscriptions", RateCategory.OTHER, Api::createSubscription),
            route("GET", Scope.V1, "subscriptions/*", RateCategory.OTHER, Api::getSubscription),
            route("DELETE", Scope.V1, "subscriptions/*", RateCategory.OTHER, Api::deleteSubscription),
            route("GET", Scope.V1, "subscriptions/*/poll", RateCategory.POLL, Api::poll),
            route("POST", Scope.V1, "subscriptions/*/ack", RateCategory.OTHER, Api::ack),
            route("GET", Scope.ADMIN, "leases", RateCategory.OTHER, (api, ctx) -> api.controlPlane.leases()),
            route(
                    "POST",
                    Scope.ADMIN,
                    "leases/*/revoke",
                    RateCategory.OTHER,
                    (api, ctx) -> api.controlPlane.revoke(ctx)),
            route(
                    "POST",
                    Scope.ADMIN,
                    "leases/*/expire",
                    RateCategory.OTHER,
                    (api, ctx) -> api.controlPlane.expire(ctx)),
            route("POST", Scope.ADMIN, "leases/*/cap", RateCategory.OTHER, (api, ctx) -> api.controlPlane.cap(ctx)),
            route("POST", Scope.ADMIN, "rotate/**", RateCategory.OTHER, (api, ctx) -> api.controlPlane.rotate(ctx)),
            route("POST", Scope.ADMIN, "refuse", RateCategory.OTHER, (api, ctx) -> api.controlPlane.refuse(ctx)),
            route("POST", Scope.ADMIN, "faults", RateCategory.OTHER, (api, ctx) -> api.controlPlane.fault(ctx)),
            route("DELETE", Scope.ADMIN, "faults", RateCategory.OTHER, (api, ctx) -> api.controlPlane.clearFaults()),
            route("POST", Scope.ADMIN, "subject-tokens", RateCategory.OTHER, (api, ctx) -> api.controlPlane.mint(ctx)));

    private static final Route NOT_FOUND = route("*", Scope.ROOT, "", RateCategory.OTHER, (api, ctx) -> {
        throw ApiError.notFound("not_found", "no such endpoint: " + ctx.raw.path());
    });
    private static final Endpoint METHOD_NOT_ALLOWED = (api, ctx) -> api.methodNotAllowed(ctx);

    /** The route a request goes to, what its wildcards matched, and the tenant of a tenant prefix. */
    private record Match(Route route, List<String> params, String tenant) {}

    /**
     * Finds the route of {@code method rawPath}: a path that matches a route but not its method goes to 405
     * (in that route's rate category), anything else to 404.
     *
     * @throws ApiError for a malformed path (bad percent-encoding, an encoded {@code /})
     */
    static Match match(String method, String rawPath) {
        List<String> segs = new ArrayList<>(segments(rawPath));
        Scope scope;
        String tenant = null;
        if (!segs.isEmpty() && segs.get(0).equals("v1")) {
            scope = Scope.V1;
            segs.remove(0);
            if (segs.size() >= 2 && segs.get(0).equals("t")) {
                tenant = segs.get(1);
                segs = new ArrayList<>(segs.subList(2, segs.size()));
            }
        } else if (!segs.isEmpty() && segs.get(0).equals(ControlPlane.PREFIX)) {
            scope = Scope.ADMIN;
            segs.remove(0);
        } else {
            scope = Scope.ROOT;
        }
        // A trailing slash leaves an empty last segment: a secret path turns it into invalid_path, other
        // routes ignore it.
        boolean secretPath =
                scope != Scope.ROOT && !segs.isEmpty() && segs.get(0).equals("secrets");
        if (!segs.isEmpty() && !secretPath && segs.get(segs.size() - 1).isEmpty()) {
            segs.remove(segs.size() - 1);
        }
        Match pathOnly = null;
        for (Route r : ROUTES) {
            if (r.scope != scope) {
                continue;
            }
            List<String> params = r.match(segs);
            if (params == null) {
                continue;
            }
            if (r.method.equals("*") || r.method.equals(method)) {
                return new Match(r, List.copyOf(params), tenant);
            }
            if (pathOnly == null) {
                pathOnly = new Match(
                        new Route(r.method, scope, r.pattern, r.category, METHOD_NOT_ALLOWED), List.of(), tenant);
            }
        }
        return pathOnly != null ? pathOnly : new Match(NOT_FOUND, List.of(), tenant);
    }

    /** The rate category of a request, as the router sees it ({@code OTHER} for a malformed path). */
    static RateCategory categoryOf(String method, String rawPath) {
        try {
            return match(method, rawPath).route.category;
        } catch (ApiError e) {
            return RateCategory.OTHER;
        }
    }

    private HttpCore.Response dispatch(Match m, Ctx ctx) {
        ctx.category = m.route.category;
        ctx.tenant = m.tenant;
        ctx.params = m.params;
        try {
            if (m.route.scope == Scope.ADMIN) {
                if (controlPlane == null) {
                    throw ApiError.notFound("not_found", "no such endpoint: " + ctx.raw.path());
                }
                controlPlane.authorize(ctx.raw);
            }
            return m.route.endpoint.handle(this, ctx);
        } catch (ApiError e) {
            return error(e, ctx);
        } catch (RuntimeException e) {
            log.warn("dev server failed on {} {} ({})", ctx.raw.method(), ctx.raw.path(), ctx.requestId, e);
            return error(
                    new ApiError(
                            500,
                            "internal_error",
                            "the dev server failed: " + e.getClass().getName()),
                    ctx);
        }
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

    private HttpCore.Response readSecret(Ctx ctx) {
        authenticate(ctx);
        String path = ctx.params.get(0);
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

    private HttpCore.Response deleteSecret(Ctx ctx) {
        Tokens.Token t = authenticate(ctx);
        secrets.delete(ctx.params.get(0), new SecretStore.Actor(t.identityId, ctx.requestId));
        return noContent();
    }

    private HttpCore.Response writeSecret(Ctx ctx) {
        Tokens.Token t = authenticate(ctx);
        String path = ctx.params.get(0);
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

    private HttpCore.Response createLease(Ctx ctx) {
        Tokens.Token t = authenticate(ctx);
        JsonNode body = Json.parseBody(ctx.raw.body());
        Duration ttl = body.isObject() ? Durations.parse(body.get("ttl"), "ttl") : null;
        return json(
                200,
                leases.create(
                        ctx.params.get(0), ctx.params.get(1), ttl, new SecretStore.Actor(t.identityId, ctx.requestId)));
    }

    private HttpCore.Response lookupLease(Ctx ctx) {
        authenticate(ctx);
        return json(200, leases.lookup(ctx.params.get(0)));
    }

    private HttpCore.Response renewLease(Ctx ctx) {
        Tokens.Token t = authenticate(ctx);
        JsonNode body = Json.parseBody(ctx.raw.body());
        Duration inc = body.isObject() ? Durations.parse(body.get("increment"), "increment") : null;
        return json(200, leases.renew(ctx.params.get(0), inc, new SecretStore.Actor(t.identityId, ctx.requestId)));
    }

    private HttpCore.Response revokeLease(Ctx ctx) {
        Tokens.Token t = authenticate(ctx);
        leases.revoke(ctx.params.get(0), new SecretStore.Actor(t.identityId, ctx.requestId), true);
        return noContent();
    }

    private HttpCore.Response getSubscription(Ctx ctx) {
        authenticate(ctx);
        return json(200, events.get(ctx.params.get(0)).toJson());
    }

    private HttpCore.Response deleteSubscription(Ctx ctx) {
        authenticate(ctx);
        events.remove(ctx.params.get(0));
        return noContent();
    }

    private HttpCore.Response ack(Ctx ctx) {
        authenticate(ctx);
        Subscription s = events.get(ctx.params.get(0));
        JsonNode ids = Json.parseBody(ctx.raw.body()).path("event_ids");
        if (!ids.isArray()) {
            throw ApiError.badRequest("invalid_request", "event_ids must be an array");
        }
        Set<String> set = new LinkedHashSet<>();
        ids.forEach(i -> set.add(i.asText()));
        return json(200, Json.obj().put("acknowledged", s.ack(set)));
    }

    private HttpCore.Response createSubscription(Ctx ctx) {
        Tokens.Token t = authenticate(ctx);
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

    private HttpCore.Response poll(Ctx ctx) {
        authenticate(ctx);
        Subscription s = events.get(ctx.params.get(0));
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
