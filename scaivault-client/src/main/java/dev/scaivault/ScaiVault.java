package dev.scaivault;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The entry point: one client for one ScaiVault, holding its connection pool, its bearer token and its
 * secret cache. Thread-safe; build one per process and {@link #close()} it on shutdown.
 *
 * <pre>{@code
 * try (ScaiVault vault = ScaiVault.builder()
 *         .url("https://scaivault.example.com")
 *         .auth(Auth.kubernetes().withRole("sa:billing"))
 *         .build()) {
 *     Secret s = vault.cache().get("environments/production/billing/database");
 * }
 * }</pre>
 */
public final class ScaiVault implements AutoCloseable {
    /** {@code scaivault-java/<version>}, sent as the {@code User-Agent}. */
    public static final String USER_AGENT = "scaivault-java/" + version();

    private final HttpUrl url;
    private final Auth auth;
    private final OkHttpClient ok;
    private final Http http;
    private final TokenCache tokens;
    private final Secrets secrets;
    private final SecretCache cache;
    private final DynamicSecrets dynamic;
    private final Events events;
    private final Time time;

    private ScaiVault(Builder b, HttpUrl url) {
        this.url = url;
        this.auth = b.auth;
        OkHttpClient.Builder ob = new OkHttpClient.Builder()
                .connectTimeout(b.connectTimeout)
                .readTimeout(b.readTimeout)
                .writeTimeout(b.readTimeout)
                // Our own retry policy decides; OkHttp's silent retry would repeat a write that reached the server.
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .connectionPool(new ConnectionPool(5, 30, TimeUnit.SECONDS));
        if (b.caBundle != null) {
            Tls tls = Tls.fromPemBundle(b.caBundle, b.caBundleOrigin);
            ob.sslSocketFactory(tls.context.getSocketFactory(), tls.trustManager);
        }
        this.ok = ob.build();
        Http.RetryPolicy policy = new Http.RetryPolicy(
                b.maxAttempts, Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(10)), b.callBudget);
        this.time = b.time;
        this.http = new Http(ok, url, USER_AGENT, b.tenant, policy, time);
        this.tokens = new TokenCache(
                b.auth.source(http, time.clock()),
                time,
                b.tokenMaxAge,
                b.tokenRefreshMargin,
                b.callBudget.plus(b.readTimeout));
        http.tokens(tokens);
        this.secrets = new Secrets(http);
        this.cache = new SecretCache(secrets, time, b.cacheTtl, b.cacheMaxStaleness, b.cacheMaxSize);
        this.dynamic = new HttpDynamicSecrets(http, time.clock());
        this.events = new Events(http);
    }

    /** A builder; {@link Builder#environment} reads the official environment variables into it. */
    public static Builder builder() {
        return new Builder();
    }

    /** A client configured from the official environment variables only (see {@link Builder#environment}). */
    public static ScaiVault fromEnvironment() {
        return builder().environment(System.getenv()).build();
    }

    /** Uncached reads and writes of static secrets. */
    public Secrets secrets() {
        return secrets;
    }

    /** Cached reads, refreshed ahead of expiry and served stale while ScaiVault is unreachable. */
    public SecretCache cache() {
        return cache;
    }

    /** Dynamic credentials and their leases. */
    public DynamicSecrets dynamic() {
        return dynamic;
    }

    /** Polling subscriptions to ScaiVault's events. */
    public Events events() {
        return events;
    }

    /** The time this client's background work runs on; every source built from this client inherits it. */
    public Time time() {
        return time;
    }

    /** Who ScaiVault thinks this client is. */
    public Identity whoami() {
        String what = "whoami";
        return Protocol.identity(Protocol.parse(
                http.execute(Http.Call.get(Protocol.WHOAMI, what)).body(), what));
    }

    /** True when {@code GET /v1/health/ready} answers 200 (no retries; a failure answers false). */
    public boolean ready() {
        try {
            http.execute(
                    Http.Call.get(Protocol.READY, "readiness").unauthenticated().singleAttempt());
            return true;
        } catch (ScaiVaultException e) {
            return false;
        }
    }

    /** The ScaiVault base URL. */
    public String url() {
        return url.toString();
    }

    /** When the bearer token in use was obtained (by this process's clock), if one is held. */
    public Optional<Instant> tokenIssuedAt() {
        return Optional.ofNullable(tokens.tokenIssuedAt());
    }

    /** How many bearer tokens this client has obtained so far. */
    public long tokenRefreshes() {
        return tokens.refreshes();
    }

    /**
     * HTTP exchanges with ScaiVault (and the token endpoint) so far, each retry counted, by outcome: {@code
     * success}, {@code client_error}, {@code rate_limited}, {@code server_error}, {@code io_error}.
     */
    public Map<String, Long> requestCounts() {
        return http.outcomes();
    }

    @Override
    public void close() {
        tokens.close();
        ok.connectionPool().evictAll();
        ok.dispatcher().executorService().shutdown();
    }

    @Override
    public String toString() {
        return "ScaiVault{" + url + ", " + auth + '}';
    }

    private static String version() {
        try (InputStream in = ScaiVault.class.getResourceAsStream("scaivault-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    /** Configures a {@link ScaiVault}. Every setting has a default except the URL and the authentication. */
    public static final class Builder {
        private String url;
        private String urlOrigin = "url()";
        private Auth auth;
        private String tenant;
        private Path caBundle;
        private String caBundleOrigin = "caBundle()";
        private boolean allowInsecureHttp;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(15);
        private Duration callBudget = Duration.ofSeconds(30);
        private int maxAttempts = 4;
        private Duration tokenMaxAge = TokenCache.MAX_AGE_CAP;
        private Duration tokenRefreshMargin = Duration.ofMinutes(1);
        private Duration cacheTtl = Duration.ofMinutes(5);
        private Duration cacheMaxStaleness = Duration.ofHours(1);
        private long cacheMaxSize = 10_000;
        private Time time = Time.system();

        private Builder() {}

        /** The ScaiVault base URL, e.g. {@code https://scaivault.scailabs.ai} (self-hosted default port 8443). */
        public Builder url(String url) {
            this.url = url;
            this.urlOrigin = "url()";
            return this;
        }

        /** How this client obtains its bearer token (required, unless {@link #environment} found credentials). */
        public Builder auth(Auth auth) {
            this.auth = Objects.requireNonNull(auth, "auth must not be null");
            return this;
        }

        /** Acts for another tenant ({@code X-Tenant-ID}); partner admins only. */
        public Builder tenant(String tenantId) {
            this.tenant = tenantId;
            return this;
        }

        /** Trusts exactly the CA certificates of this PEM bundle (instead of the JDK's trust store). */
        public Builder caBundle(Path pemFile) {
            this.caBundle = pemFile;
            this.caBundleOrigin = "caBundle()";
            return this;
        }

        /**
         * Allows {@code http://} to a host that is not loopback. Off by default: a bearer token and secrets
         * would cross the network in clear text.
         */
        public Builder allowInsecureHttp(boolean allow) {
            this.allowInsecureHttp = allow;
            return this;
        }

        /** The longest a TCP and TLS connect may take (default 5 s). */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Checks.positive(d, "connectTimeout");
            return this;
        }

        /** The longest to wait for the next bytes of an answer (default 15 s). */
        public Builder readTimeout(Duration d) {
            this.readTimeout = Checks.positive(d, "readTimeout");
            return this;
        }

        /** The most one call may take, all retries and waits included (default 30 s). */
        public Builder callBudget(Duration d) {
            this.callBudget = Checks.positive(d, "callBudget");
            return this;
        }

        /** Attempts per call, the first included (default 4). */
        public Builder maxAttempts(int n) {
            if (n < 1 || n > 20) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 20, not " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        /** How long one bearer token is used at most; 50 minutes (the default) is also the ceiling. */
        public Builder tokenMaxAge(Duration d) {
            Checks.positive(d, "tokenMaxAge");
            if (d.compareTo(TokenCache.MAX_AGE_CAP) > 0) {
                throw new IllegalArgumentException("tokenMaxAge " + d + " is above the ceiling of "
                        + TokenCache.MAX_AGE_CAP + ": exchanged tokens must not be kept longer");
            }
            this.tokenMaxAge = d;
            return this;
        }

        /** A token is replaced at the latest this long before the expiry the server announced (default 1 min). */
        public Builder tokenRefreshMargin(Duration d) {
            this.tokenRefreshMargin = Checks.notNegative(d, "tokenRefreshMargin");
            return this;
        }

        /** How long a cached secret is served without asking ScaiVault (default 5 min). */
        public Builder cacheTtl(Duration d) {
            this.cacheTtl = Checks.positive(d, "cacheTtl");
            return this;
        }

        /** How old a cached secret may get while ScaiVault is unreachable before reads fail (default 1 h). */
        public Builder cacheMaxStaleness(Duration d) {
            this.cacheMaxStaleness = Checks.positive(d, "cacheMaxStaleness");
            return this;
        }

        /** The most secrets {@link ScaiVault#cache()} holds (default 10,000). */
        public Builder cacheMaxSize(long n) {
            if (n < 1) {
                throw new IllegalArgumentException("cacheMaxSize must be positive, not " + n);
            }
            this.cacheMaxSize = n;
            return this;
        }

        /**
         * Reads the official environment variables: {@code SCAIVAULT_URL}, {@code SCAIVAULT_TOKEN} (a static
         * token), {@code SCAIKEY_CLIENT_ID} with {@code SCAIKEY_CLIENT_SECRET} (client credentials; the token URL
         * from {@code SCAIKEY_TOKEN_URL}, ours, defaulting to ScaiKey's), {@code SCAIVAULT_TOKEN_FILE} (a
         * projected service-account token for the workload identity exchange) and {@code SCAIVAULT_TENANT_ID}.
         * When several kinds of credentials are set, the first in that order wins. Settings made on the builder
         * after this call override it.
         */
        public Builder environment(Map<String, String> env) {
            String u = env.get("SCAIVAULT_URL");
            if (u != null && !u.isBlank()) {
                this.url = u.strip();
                this.urlOrigin = "environment variable SCAIVAULT_URL";
            }
            String token = env.get("SCAIVAULT_TOKEN");
            String clientId = env.get("SCAIKEY_CLIENT_ID");
            String tokenFile = env.get("SCAIVAULT_TOKEN_FILE");
            if (token != null && !token.isBlank()) {
                this.auth = Auth.token(token);
            } else if (clientId != null && !clientId.isBlank()) {
                String secret = env.get("SCAIKEY_CLIENT_SECRET");
                if (secret == null || secret.isEmpty()) {
                    throw new IllegalArgumentException(
                            "environment variable SCAIKEY_CLIENT_ID is set but SCAIKEY_CLIENT_SECRET is not");
                }
                this.auth = Auth.clientCredentials(
                        env.getOrDefault("SCAIKEY_TOKEN_URL", Auth.DEFAULT_SCAIKEY_TOKEN_URL), clientId, secret);
            } else if (tokenFile != null && !tokenFile.isBlank()) {
                this.auth = Auth.kubernetes(Path.of(tokenFile.strip()));
            }
            String t = env.get("SCAIVAULT_TENANT_ID");
            if (t != null && !t.isBlank()) {
                this.tenant = t.strip();
            }
            String ca = env.get("SCAIVAULT_CA_BUNDLE");
            if (ca != null && !ca.isBlank()) {
                this.caBundle = Path.of(ca.strip());
                this.caBundleOrigin = "environment variable SCAIVAULT_CA_BUNDLE";
            }
            return this;
        }

        /**
         * The time this client and every source built from it run on (default {@link Time#system()}): the
         * clock of token lives, cache expiry and lease schedules, the scheduler of their timers, and the waits
         * between retries. {@code Time.of(manualTime, manualTime)} with the testkit's {@code ManualTime} runs
         * them on virtual time.
         */
        public Builder time(Time time) {
            this.time = Checks.notNull(time, "time");
            return this;
        }

        /** The client; fails naming the setting (and where it came from) that is missing or invalid. */
        public ScaiVault build() {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException(
                        "no ScaiVault URL: call ScaiVault.builder().url(...) or set SCAIVAULT_URL");
            }
            HttpUrl parsed = HttpUrl.parse(url);
            if (parsed == null) {
                throw new IllegalArgumentException(
                        urlOrigin + ": '" + Redactor.redactUrl(url) + "' is not an http:// or https:// URL");
            }
            if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
                // Never sent (the bearer token authenticates), and a password there ends up in every printout.
                throw new IllegalArgumentException(urlOrigin + ": '" + Redactor.redactUrl(url)
                        + "' holds a user name or password; ScaiVault authenticates with auth(...), not the URL:"
                        + " remove them");
            }
            if (!parsed.isHttps() && !allowInsecureHttp && !isLoopback(parsed.host())) {
                throw new IllegalArgumentException(urlOrigin + ": '" + url
                        + "' uses plain http to a host that is not loopback; use https, or allowInsecureHttp(true)"
                        + " if you really mean to send tokens in clear text");
            }
            if (auth == null) {
                throw new IllegalArgumentException("no authentication: call auth(Auth...) or set SCAIVAULT_TOKEN,"
                        + " SCAIKEY_CLIENT_ID/SCAIKEY_CLIENT_SECRET or SCAIVAULT_TOKEN_FILE");
            }
            if (auth instanceof Auth.ClientCredentials cc
                    && !cc.tokenUrl().isHttps()
                    && !allowInsecureHttp
                    && !isLoopback(cc.tokenUrl().host())) {
                throw new IllegalArgumentException("ScaiKey token URL '" + cc.tokenUrl()
                        + "' uses plain http to a host that is not loopback; use https or allowInsecureHttp(true)");
            }
            if (cacheMaxStaleness.compareTo(cacheTtl) < 0) {
                throw new IllegalArgumentException(
                        "cacheMaxStaleness " + cacheMaxStaleness + " is shorter than cacheTtl " + cacheTtl);
            }
            return new ScaiVault(this, parsed);
        }

        static boolean isLoopback(String host) {
            if (host.equalsIgnoreCase("localhost")) {
                return true;
            }
            // Only literals: a name would need a DNS lookup, and DNS can say anything.
            if (host.contains(":") || host.matches("[0-9.]+")) {
                try {
                    return InetAddress.getByName(host).isLoopbackAddress();
                } catch (UnknownHostException e) {
                    return false;
                }
            }
            return false;
        }
    }
}
