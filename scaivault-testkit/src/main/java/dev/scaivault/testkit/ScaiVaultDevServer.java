package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scaivault.testkit.leak.IssuedSecrets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ScaiVault dev server: the wire protocol of ScaiVault over real HTTP on a loopback port, with real
 * state (versioned secrets, issued tokens, leases, event subscriptions), real expiry on an injectable
 * clock, real PostgreSQL roles for dynamic credentials, rate limits, fault injection and a request log.
 * Use it like {@code vault server -dev}: in-process from tests, or standalone through {@link #main}.
 *
 * <pre>{@code
 * try (ScaiVaultDevServer server = ScaiVaultDevServer.builder().staticToken("skt_test", "idn_app").start()) {
 *     server.putSecret("apps/billing/db", Map.of("username", "app", "password", "s3cret"));
 *     // point the client at server.baseUrl() with token skt_test
 * }
 * }</pre>
 *
 * <p>Nothing it logs holds a secret value, token or request body: it logs method, path, status and
 * request id at DEBUG. The {@linkplain #requests() request log} keeps raw bodies for assertions.
 */
public final class ScaiVaultDevServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ScaiVaultDevServer.class);
    static final String VERSION = "0.1.0-dev";

    /** Immutable settings shared by the server's parts. */
    static final class Config {
        final Clock clock;
        final Duration issuedTokenLifetime;
        final String subjectTokenAudience;
        final Map<String, String> clients;
        final int requestLogLimit;

        Config(Builder b) {
            this.requestLogLimit = b.requestLogLimit;
            this.clock = b.clock;
            this.issuedTokenLifetime = b.issuedTokenLifetime;
            this.subjectTokenAudience = b.subjectTokenAudience;
            this.clients = Map.copyOf(b.clients);
        }

        boolean clientMatches(String id, String secret) {
            String expected = clients.get(id);
            return expected != null
                    && java.security.MessageDigest.isEqual(
                            expected.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private final Config config;
    private final Tokens tokens;
    private final Events events;
    private final SecretStore secrets;
    private final Leases leases;
    private final Faults faults = new Faults();
    private final Jwt jwt = new Jwt();
    private final Api api;
    private final HttpCore http;
    private final ScheduledExecutorService reaper;
    private final InetAddress address;
    private final DevCertificates tls;
    /**
     * Ends {@link #refuseConnectionsFor} refusals on time (the reaper may be busy waiting for a role's sessions
     * to end); created on first use. Both guarded by {@code this}.
     */
    private ScheduledExecutorService resumer;

    private java.util.concurrent.ScheduledFuture<?> resume;

    private ScaiVaultDevServer(Builder b) {
        this.config = new Config(b);
        this.address = b.address;
        this.tokens = new Tokens(config.clock);
        b.staticTokens.forEach(tokens::addStatic);
        b.staticTokens.keySet().forEach(IssuedSecrets::issued);
        b.clients.values().forEach(IssuedSecrets::issued);
        this.events = new Events(config.clock, Api.DEFAULT_TENANT);
        this.secrets = new SecretStore(config.clock, events);
        Map<String, Leases.Role> roles = new LinkedHashMap<>();
        for (Map.Entry<String, RoleConfig> e : b.roles.entrySet()) {
            String[] er = e.getKey().split("\u0000", 2);
            DynamicEngine engine = b.engines.get(er[0]);
            if (engine == null) {
                throw new IllegalStateException("role " + er[1] + " names engine " + er[0]
                        + ", which was not configured (postgresEngine or inMemoryEngine)");
            }
            engine.setup(e.getValue());
            roles.put(e.getKey(), new Leases.Role(er[0], er[1], engine, e.getValue()));
        }
        this.leases = new Leases(config.clock, events, roles);
        RateLimiter limiter = new RateLimiter(config.clock, b.rateLimitsEnabled, b.rateLimits);
        this.api = new Api(config, tokens, secrets, events, leases, limiter, faults, jwt);
        this.tls = b.tls;
        this.http = new HttpCore(
                b.address, b.port, api, tls == null ? null : tls.serverContext().getServerSocketFactory());
        this.reaper = Executors.newSingleThreadScheduledExecutor(DaemonThreads.factory("devserver-reaper"));
        reaper.scheduleWithFixedDelay(this::reapQuietly, 100, 100, TimeUnit.MILLISECONDS);
        if (b.adminToken != null) {
            IssuedSecrets.issued(b.adminToken);
            api.controlPlane(new ControlPlane(this, leases, secrets, b.adminToken, b.adminFromAnywhere));
        }
        log.debug("ScaiVault dev server listening on {}", baseUrl());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code http://127.0.0.1:<port>} ({@code https://} with TLS), without a trailing slash. */
    public String baseUrl() {
        return (tls == null ? "http://" : "https://") + hostLiteral() + ':' + http.port();
    }

    /** The PEM of the CA that signed this server's certificate; only with {@link Builder#https()} or tls. */
    public String caPem() {
        return certificates().caPem();
    }

    /** A PEM file with the CA that signed this server's certificate, for the client's {@code caBundle}. */
    public java.nio.file.Path caBundlePath() {
        return certificates().caBundlePath();
    }

    private DevCertificates certificates() {
        if (tls == null) {
            throw new IllegalStateException("this dev server serves plain HTTP: build it with https() or tls(...)");
        }
        return tls;
    }

    /** The ScaiKey client-credentials endpoint this server also serves. */
    public String tokenUrl() {
        return baseUrl() + "/oauth/token";
    }

    public int port() {
        return http.port();
    }

    /** A subject token (JWT, HS256 signed by this server) for {@code POST /v1/auth/exchange}. */
    public String mintSubjectToken(String subject, Duration life) {
        return mintSubjectToken(subject, life, config.subjectTokenAudience);
    }

    /** As {@link #mintSubjectToken(String, Duration)} with an explicit {@code aud} ({@code null}: none). */
    public String mintSubjectToken(String subject, Duration life, String audience) {
        Objects.requireNonNull(subject, "subject");
        String token = jwt.mint(subject, config.clock.instant(), life, audience);
        IssuedSecrets.issued(token);
        return token;
    }

    /** Writes a {@code kv} secret; returns the new version. */
    public long putSecret(String path, Map<String, ?> data) {
        return putSecret(path, null, data, null);
    }

    /** Writes a secret with a type ({@code null}: keep / {@code kv}) and metadata; returns the new version. */
    public long putSecret(String path, String secretType, Map<String, ?> data, Map<String, ?> metadata) {
        JsonNode node = javaApi(() -> secrets.put(
                path,
                secretType,
                Json.MAPPER.valueToTree(Objects.requireNonNull(data, "data")),
                metadata == null ? null : Json.MAPPER.valueToTree(metadata),
                SecretStore.Options.NONE,
                operator()));
        return node.get("version").asLong();
    }

    /** Rotates: version N+1 with {@code newData}; version N stays readable for 48 h (server clock). */
    public long rotateSecret(String path, Map<String, ?> newData) {
        return rotateSecret(path, newData, SecretStore.DEFAULT_GRACE);
    }

    /** Rotates with an explicit grace period for the replaced version; emits {@code secret.rotated}. */
    public long rotateSecret(String path, Map<String, ?> newData, Duration grace) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        return javaApi(() -> secrets.rotate(path, Json.MAPPER.valueToTree(newData), grace, operator()));
    }

    public void deleteSecret(String path) {
        javaApi(() -> {
            secrets.delete(path, operator());
            return null;
        });
    }

    /** The next request with this bearer token gets 401 {@code token_revoked}. */
    public void revokeToken(String bearer) {
        tokens.revoke(bearer);
    }

    /** The next request with this bearer token gets 401 {@code token_expired}. */
    public void expireToken(String bearer) {
        tokens.expire(bearer);
    }

    /** Issues a bearer token directly, as a successful exchange would, valid for the issued-token lifetime. */
    public String issueToken(String identityId) {
        return tokens.issue(identityId, "service_account", List.of("*"), config.issuedTokenLifetime);
    }

    public Faults faults() {
        return faults;
    }

    /** Every request received so far, in arrival order (a snapshot). */
    public List<RecordedRequest> requests() {
        return api.requests();
    }

    public void clearRequests() {
        api.clearRequests();
    }

    /**
     * {@code true}: close the listener and every open connection, so connects are refused; {@code false}:
     * listen again on the same port.
     */
    public void refuseConnections(boolean refuse) {
        synchronized (this) {
            if (resume != null) {
                resume.cancel(false);
                resume = null;
            }
        }
        if (refuse) {
            http.stopListening();
        } else {
            http.listen();
        }
    }

    /**
     * Refuses connections now (as {@code refuseConnections(true)}) and accepts them again after {@code
     * duration}, unless another refusal or {@code refuseConnections} comes first: "ScaiVault is down for a
     * while" without anyone left to bring it back (the control plane is unreachable meanwhile too).
     */
    public void refuseConnectionsFor(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a refusal needs a positive duration, got " + duration);
        }
        refuseConnections(true);
        synchronized (this) {
            if (resumer == null) {
                resumer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.factory("devserver-resume"));
            }
            resume = resumer.schedule(
                    () -> {
                        try {
                            http.listen();
                        } catch (RuntimeException e) {
                            // Closed meanwhile, or the port was taken: the server stays down, say why.
                            log.warn("the dev server could not accept connections again", e);
                        }
                    },
                    duration.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    /** Same as {@code refuseConnections(true)}. */
    public void stop() {
        refuseConnections(true);
    }

    /** Same as {@code refuseConnections(false)}. */
    public void resume() {
        refuseConnections(false);
    }

    /** {@code false}: {@code GET /v1/health/ready} answers 503 {@code not_ready}. */
    public void ready(boolean ready) {
        api.ready(ready);
    }

    /** Live leases, oldest first. */
    public List<LeaseInfo> leases() {
        return leases.snapshot();
    }

    /** Revokes a lease out of band, as an operator would: its role is dropped, {@code lease.revoked} emitted. */
    public void revokeLease(String leaseId) {
        javaApi(() -> {
            leases.revoke(leaseId, operator(), false);
            return null;
        });
    }

    /** Ends a lease now as if its time were up: its role is dropped, {@code lease.expired} emitted. */
    public void expireLease(String leaseId) {
        javaApi(() -> {
            leases.expireNow(leaseId);
            return null;
        });
    }

    /**
     * Caps a lease at its current expiry: no renewal extends it any more, so the client's next renewal comes
     * back short and it moves to a new lease, as it does at max TTL. A forced rotation without a failed
     * request, where {@link #revokeLease} ends the role's sessions at once.
     */
    public LeaseInfo capLease(String leaseId) {
        return capLease(leaseId, null);
    }

    /**
     * As {@link #capLease(String)}, and the lease also ends {@code within} from now if that is sooner (its
     * role's {@code VALID UNTIL} moves too); a client renews before that only if {@code within} is longer
     * than its renewal interval.
     */
    public LeaseInfo capLease(String leaseId, Duration within) {
        javaApi(() -> leases.cap(leaseId, within));
        return leases.snapshot().stream()
                .filter(l -> l.id().equals(leaseId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("lease_not_found: lease " + leaseId + " is gone"));
    }

    /** Ids of leases revoked so far (through the API, by an operator or at shutdown), in order. */
    public List<String> revokedLeaseIds() {
        return leases.revokedIds();
    }

    /** Ids of leases that expired so far, in order. */
    public List<String> expiredLeaseIds() {
        return leases.expiredIds();
    }

    /** Expires every lease whose time is up on the server clock now (the reaper also does so every 100 ms). */
    public void reapNow() {
        leases.reap();
    }

    /** Delivers the last published event again, with the same event id, to every matching subscription. */
    public String publishDuplicateOfLastEvent() {
        return events.duplicateLast().id();
    }

    /** Every event published so far, as JSON envelopes, in order (duplicates included). */
    public List<String> events() {
        return events.published().stream()
                .map(e -> e.envelope().toString())
                .collect(java.util.stream.Collectors.toList());
    }

    /** Stops the server, revokes every live lease (dropping its role) and wakes every long poll. */
    @Override
    public void close() {
        reaper.shutdownNow();
        synchronized (this) {
            if (resumer != null) {
                resumer.shutdownNow();
            }
        }
        events.close();
        http.close();
        leases.revokeAll();
    }

    private void reapQuietly() {
        try {
            leases.reap();
        } catch (RuntimeException e) {
            log.warn("lease reaper failed", e);
        }
    }

    /** The Java API reports what the HTTP API would answer as an error as IllegalArgumentException. */
    private static <T> T javaApi(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (ApiError e) {
            throw new IllegalArgumentException(e.code + ": " + e.getMessage());
        }
    }

    private static SecretStore.Actor operator() {
        return new SecretStore.Actor(Api.OPERATOR, null);
    }

    private String hostLiteral() {
        if (address.isAnyLocalAddress()) {
            return "127.0.0.1";
        }
        String h = address.getHostAddress();
        return h.indexOf(':') >= 0 ? '[' + h + ']' : h;
    }

    /** Standalone: {@code --help} lists the options, {@code admin --help} the control plane commands; see docs/testkit.md. */
    public static void main(String[] args) throws Exception {
        Standalone.main(args);
    }

    /** Configuration of a {@link ScaiVaultDevServer}; {@link #start()} may be called more than once. */
    public static final class Builder {
        private Clock clock = Clock.system(ZoneOffset.UTC);
        private Duration issuedTokenLifetime = Duration.ofHours(1);
        private final Map<String, String> staticTokens = new LinkedHashMap<>();
        private final Map<String, String> clients = new LinkedHashMap<>();
        private String subjectTokenAudience;
        private final Map<RateCategory, Integer> rateLimits = new EnumMap<>(RateCategory.class);
        private boolean rateLimitsEnabled = true;
        private final Map<String, DynamicEngine> engines = new ConcurrentHashMap<>();
        private final Map<String, RoleConfig> roles = new LinkedHashMap<>();
        private InetAddress address;
        private int port;
        private DevCertificates tls;
        private int requestLogLimit = 100_000;
        private String adminToken;
        private boolean adminFromAnywhere;

        private Builder() {
            try {
                address = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Server time for the expiry of tokens, secrets versions, subject tokens, leases and rate buckets. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** {@code expires_in} of exchanged and client-credential tokens (default 1 h). */
        public Builder issuedTokenLifetime(Duration lifetime) {
            if (lifetime.isNegative() || lifetime.isZero()) {
                throw new IllegalArgumentException("issuedTokenLifetime must be positive: " + lifetime);
            }
            this.issuedTokenLifetime = lifetime;
            return this;
        }

        /** Accepts {@code token} as a bearer token of {@code identityId}; call once per token. */
        public Builder staticToken(String token, String identityId) {
            staticTokens.put(Objects.requireNonNull(token, "token"), Objects.requireNonNull(identityId, "identityId"));
            return this;
        }

        /** A ScaiKey client for the client-credentials grant; call once per client. */
        public Builder clientCredentials(String clientId, String clientSecret) {
            clients.put(
                    Objects.requireNonNull(clientId, "clientId"), Objects.requireNonNull(clientSecret, "clientSecret"));
            return this;
        }

        /** When set, an exchanged subject token must carry this {@code aud}. */
        public Builder subjectTokenAudience(String audience) {
            this.subjectTokenAudience = audience;
            return this;
        }

        /** Overrides the default limit of one category. */
        public Builder rateLimit(RateCategory category, int perMinute) {
            if (perMinute < 1) {
                throw new IllegalArgumentException(
                        "rate limit for " + category + " must be >= 1 per minute: " + perMinute);
            }
            rateLimits.put(Objects.requireNonNull(category, "category"), perMinute);
            return this;
        }

        /** {@code false}: never answer 429 (the headers are still sent). Default {@code true}. */
        public Builder rateLimitsEnabled(boolean enabled) {
            this.rateLimitsEnabled = enabled;
            return this;
        }

        /** How many requests {@link ScaiVaultDevServer#requests()} keeps (the oldest go first); default 100,000. */
        public Builder requestLogLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("requestLogLimit must not be negative: " + limit);
            }
            this.requestLogLimit = limit;
            return this;
        }

        /** Listen on this port instead of a random free one (the standalone server uses 8200). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("not a TCP port: " + port);
            }
            this.port = port;
            return this;
        }

        /** Listen on another address than 127.0.0.1 (standalone use only; plain HTTP unless https()). */
        public Builder bindAddress(InetAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * A PostgreSQL dynamic engine: each lease creates a real role through {@code admin} (a superuser or
         * {@code CREATEROLE} connection). {@code jdbcUrl} names the database the grants apply to.
         */
        public Builder postgresEngine(String engineName, DataSource admin, String jdbcUrl) {
            Objects.requireNonNull(admin, "admin");
            engines.put(
                    Objects.requireNonNull(engineName, "engineName"), new PostgresEngine(engineName, admin, jdbcUrl));
            return this;
        }

        /** A dynamic engine with no database behind it: leases and credentials exist only in the server. */
        public Builder inMemoryEngine(String engineName) {
            engines.put(Objects.requireNonNull(engineName, "engineName"), DynamicEngine.IN_MEMORY);
            return this;
        }

        /** Configures role {@code role} of a PostgreSQL engine. */
        public Builder postgresRole(String engine, String role, RoleConfig config) {
            return dynamicRole(engine, role, config);
        }

        /** Configures role {@code role} of any engine ({@code postgresEngine} or {@code inMemoryEngine}). */
        public Builder dynamicRole(String engine, String role, RoleConfig config) {
            roles.put(
                    Leases.key(Objects.requireNonNull(engine, "engine"), Objects.requireNonNull(role, "role")),
                    Objects.requireNonNull(config, "config"));
            return this;
        }

        /** Serves HTTPS with a certificate for 127.0.0.1 and localhost, signed by a CA generated for this JVM. */
        public Builder https() {
            return tls(DevCertificates.localhost());
        }

        /** Serves HTTPS with the server certificate of {@code certificates} (a wrong host name, say). */
        public Builder tls(DevCertificates certificates) {
            this.tls = Objects.requireNonNull(certificates, "certificates");
            return this;
        }

        /**
         * Serves the control plane under {@code /_devserver/} (docs/testkit.md), for bearer {@code adminToken},
         * from loopback peers only unless {@code fromAnywhere}. The standalone server turns it on.
         */
        Builder controlPlane(String adminToken, boolean fromAnywhere) {
            this.adminToken = Objects.requireNonNull(adminToken, "adminToken");
            this.adminFromAnywhere = fromAnywhere;
            return this;
        }

        public ScaiVaultDevServer start() {
            return new ScaiVaultDevServer(this);
        }
    }
}
