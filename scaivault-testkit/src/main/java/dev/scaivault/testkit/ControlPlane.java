package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scaivault.testkit.leak.IssuedSecrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The dev server's control plane for rehearsals, under {@code /_devserver/}: the Java API's operator
 * actions (revoke, expire or cap a lease, rotate a secret, refuse connections, standing faults, subject
 * tokens) over HTTP, for a developer whose application runs in another process. Dev only: a bearer admin
 * token, loopback peers only by default, no TLS. The routes are in {@link Api}'s route table.
 */
final class ControlPlane {
    static final String PREFIX = "_devserver";
    private static final Duration LONGEST = Duration.ofHours(24);

    private final ScaiVaultDevServer server;
    private final Leases leases;
    private final SecretStore secrets;
    private final byte[] token;
    private final boolean fromAnywhere;

    ControlPlane(
            ScaiVaultDevServer server, Leases leases, SecretStore secrets, String adminToken, boolean fromAnywhere) {
        this.server = server;
        this.leases = leases;
        this.secrets = secrets;
        this.token = adminToken.getBytes(StandardCharsets.UTF_8);
        this.fromAnywhere = fromAnywhere;
    }

    /** Loopback peers only (unless configured otherwise), with the admin token as bearer. */
    void authorize(HttpCore.Request raw) {
        if (!fromAnywhere && !raw.remote().isLoopbackAddress()) {
            throw new ApiError(403, "forbidden", "the dev server's control plane answers loopback clients only");
        }
        String auth = raw.header("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(
                    401, "authentication_required", "the control plane needs the admin token as a bearer token");
        }
        byte[] given = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) {
            throw new ApiError(401, "token_invalid", "not the dev server's admin token");
        }
    }

    /** {@code GET leases}: every live lease, oldest first. */
    HttpCore.Response leases() {
        ObjectNode o = Json.obj();
        ArrayNode arr = o.putArray("leases");
        for (LeaseInfo l : leases.snapshot()) {
            arr.addObject()
                    .put("lease_id", l.id())
                    .put("engine", l.engine())
                    .put("role", l.role())
                    .put("username", l.username())
                    .put("issued_at", Json.time(l.issuedAt()))
                    .put("expires_at", Json.time(l.expiresAt()))
                    .put("max_expires_at", Json.time(l.maxExpiresAt()));
        }
        return Api.json(200, o);
    }

    /** {@code POST leases/{id}/revoke}: as an operator would; the role's sessions end now. */
    HttpCore.Response revoke(Api.Ctx ctx) {
        leases.revoke(ctx.params.get(0), operator(ctx), true);
        return Api.noContent();
    }

    /** {@code POST leases/{id}/expire}: as if its time were up. */
    HttpCore.Response expire(Api.Ctx ctx) {
        try {
            leases.expireNow(ctx.params.get(0));
        } catch (IllegalArgumentException e) {
            throw ApiError.notFound("lease_not_found", e.getMessage());
        }
        return Api.noContent();
    }

    /** {@code POST leases/{id}/cap} {@code {"within": "5s"}?}: a forced rotation the client makes gracefully. */
    HttpCore.Response cap(Api.Ctx ctx) {
        JsonNode body = Json.parseBody(ctx.raw.body());
        Duration within = body.isObject() ? Durations.parse(body.get("within"), "within") : null;
        return Api.json(200, leases.cap(ctx.params.get(0), within));
    }

    /**
     * {@code POST rotate/{path}} {@code {"data": {...}?, "generate": ["password"]?, "grace": "48h"?}}: version
     * N+1 is version N with {@code data}'s keys replaced and the {@code generate} keys set to new random
     * values; {@code secret.rotated} is published. Answers the new version, never the data.
     */
    HttpCore.Response rotate(Api.Ctx ctx) {
        String path = ctx.params.get(0);
        JsonNode body = Json.parseBody(ctx.raw.body());
        if (!body.isObject() && !body.isNull() && !body.isMissingNode()) {
            throw ApiError.badRequest("invalid_request", "the rotation body must be a JSON object");
        }
        JsonNode given = body.path("data");
        if (!given.isMissingNode() && !given.isObject()) {
            throw ApiError.badRequest("invalid_request", "data must be a JSON object");
        }
        List<String> generate = new ArrayList<>();
        JsonNode gen = body.path("generate");
        if (!gen.isMissingNode()) {
            if (!gen.isArray()) {
                throw ApiError.badRequest("invalid_request", "generate must be an array of key names");
            }
            gen.forEach(k -> generate.add(k.asText()));
        }
        if (!given.isObject() && generate.isEmpty()) {
            throw ApiError.badRequest(
                    "invalid_request",
                    "a rotation needs data to change or keys to generate (generate: [\"password\"])");
        }
        Duration grace = Durations.parse(body.get("grace"), "grace");
        ObjectNode data = (ObjectNode) secrets.read(path, null, true, false).get("data");
        if (given.isObject()) {
            data.setAll((ObjectNode) given);
        }
        for (String key : generate) {
            String value = Ids.alnum(32);
            IssuedSecrets.issued(value);
            data.put(key, value);
        }
        long version;
        try {
            version = secrets.rotate(path, data, grace == null ? SecretStore.DEFAULT_GRACE : grace, operator(ctx));
        } catch (IllegalArgumentException e) {
            throw ApiError.notFound("secret_not_found", e.getMessage());
        }
        return Api.json(200, Json.obj().put("path", path).put("version", version));
    }

    /**
     * {@code POST refuse} {@code {"for": "10s"}}: answers 202, then closes the listener and every connection
     * (this one too) and accepts connections again after the given time.
     */
    HttpCore.Response refuse(Api.Ctx ctx) {
        Duration d = bounded(Durations.parse(Json.parseBody(ctx.raw.body()).get("for"), "for"), "for");
        HttpCore.Response r = Api.json(202, Json.obj().put("refusing_for_seconds", d.toMillis() / 1000.0));
        r.afterWrite = () -> server.refuseConnectionsFor(d);
        return r;
    }

    /**
     * {@code POST faults} {@code {"route": "GET /v1/secrets/**", "for": "30s", "status": 503 | "latency":
     * "2s", "code"?, "retry_after"?}}: every matching request of the ScaiVault API gets the error (or the
     * delay) for a while. {@code DELETE faults} clears every fault.
     */
    HttpCore.Response fault(Api.Ctx ctx) {
        JsonNode body = Json.parseBody(ctx.raw.body());
        JsonNode route = body.path("route");
        if (!route.isTextual()) {
            throw ApiError.badRequest("invalid_request", "route is required, e.g. \"GET /v1/secrets/**\"");
        }
        Duration d = bounded(Durations.parse(body.get("for"), "for"), "for");
        Duration latency = Durations.parse(body.get("latency"), "latency");
        JsonNode status = body.path("status");
        if ((latency == null) == status.isMissingNode()) {
            throw ApiError.badRequest("invalid_request", "give either status (e.g. 429, 503) or latency");
        }
        Fault f;
        try {
            if (latency != null) {
                f = Fault.delay(latency);
            } else if (!status.isInt()) {
                throw ApiError.badRequest("invalid_request", "status must be an HTTP status code, got " + status);
            } else {
                int code = status.asInt();
                Duration retryAfter = Durations.parse(body.get("retry_after"), "retry_after");
                if (retryAfter != null && code != 429) {
                    throw ApiError.badRequest("invalid_request", "retry_after goes with status 429 only");
                }
                f = code == 429 && retryAfter != null
                        ? Fault.rateLimited(retryAfter)
                        : Fault.error(code, body.path("code").asText(defaultCode(code)));
            }
            server.faults().during(route.asText(), d, f);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("invalid_request", e.getMessage());
        }
        return Api.json(200, Json.obj().put("route", route.asText()).put("fault", f.toString()));
    }

    HttpCore.Response clearFaults() {
        server.faults().clear();
        return Api.noContent();
    }

    /** {@code POST subject-tokens} {@code {"subject": "...", "ttl": "10m"?, "audience": "..."?}}. */
    HttpCore.Response mint(Api.Ctx ctx) {
        JsonNode body = Json.parseBody(ctx.raw.body());
        JsonNode subject = body.path("subject");
        if (!subject.isTextual() || subject.asText().isBlank()) {
            throw ApiError.badRequest("invalid_request", "subject is required, e.g. system:serviceaccount:billing:api");
        }
        Duration ttl = Durations.parse(body.get("ttl"), "ttl");
        Duration life = ttl == null ? Duration.ofMinutes(10) : bounded(ttl, "ttl");
        String jwt = body.hasNonNull("audience")
                ? server.mintSubjectToken(
                        subject.asText(), life, body.get("audience").asText())
                : server.mintSubjectToken(subject.asText(), life);
        return Api.json(200, Json.obj().put("subject_token", jwt).put("expires_in", life.toSeconds()));
    }

    private static String defaultCode(int status) {
        switch (status) {
            case 429:
                return "rate_limited";
            case 500:
                return "internal_error";
            case 503:
                return "service_unavailable";
            default:
                return status >= 500 ? "service_unavailable" : "invalid_request";
        }
    }

    private static Duration bounded(Duration d, String field) {
        if (d == null) {
            throw ApiError.badRequest("invalid_request", field + " is required (e.g. \"30s\")");
        }
        if (d.compareTo(LONGEST) > 0) {
            throw ApiError.badRequest("invalid_duration", field + " must be at most 24h, got " + d);
        }
        return d;
    }

    private static SecretStore.Actor operator(Api.Ctx ctx) {
        return new SecretStore.Actor(Api.OPERATOR, ctx.requestId);
    }
}
