package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.Fault;
import dev.scaivault.testkit.ManualTime;
import dev.scaivault.testkit.RecordedRequest;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against the testkit's dev server over real loopback HTTP, with simulated time where it matters. */
class ClientAgainstDevServerTest {
    static final String STATIC_TOKEN = "skt_static_test_token_0123456789";
    static final String CLIENT_SECRET = "client-secret-never-logged-42";
    static final String DB_PASSWORD = "db-password-never-logged-7f3a";
    static final String PATH = "environments/production/billing/database";

    @TempDir
    Path tmp;

    ScaiVaultDevServer server;
    final ManualTime time = new ManualTime(Instant.now());
    final List<ScaiVault> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        LeakCheck.secret(STATIC_TOKEN, CLIENT_SECRET, DB_PASSWORD);
        server = ScaiVaultDevServer.builder()
                .staticToken(STATIC_TOKEN, "idn_static")
                .clientCredentials("billing-service", CLIENT_SECRET)
                .issuedTokenLifetime(Duration.ofHours(24))
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofHours(1), Duration.ofHours(24)))
                .start();
        server.putSecret(PATH, Map.of("username", "billing", "password", DB_PASSWORD));
    }

    @AfterEach
    void stop() {
        clients.forEach(ScaiVault::close);
        server.close();
    }

    /** A client on simulated time: back-off time.waits() move the clock instead of the test thread. */
    ScaiVault client(Auth auth) {
        return client(auth, b -> {});
    }

    ScaiVault client(Auth auth, java.util.function.Consumer<ScaiVault.Builder> config) {
        ScaiVault.Builder b =
                ScaiVault.builder().url(server.baseUrl()).auth(auth).time(Time.of(time, time));
        config.accept(b);
        ScaiVault v = b.build();
        clients.add(v);
        return v;
    }

    Path tokenFile(String subject) throws Exception {
        Path f = tmp.resolve("token");
        String jwt = server.mintSubjectToken(subject, Duration.ofHours(24));
        LeakCheck.secret(jwt);
        Files.writeString(f, jwt);
        return f;
    }

    List<RecordedRequest> requests(String method, String pathPrefix) {
        return server.requests().stream()
                .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
                .toList();
    }

    static String bearer(RecordedRequest r) {
        String h = r.header("Authorization");
        return h == null ? null : h.substring("Bearer ".length());
    }

    @Test
    void countsEachExchangeByOutcome() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        assertThat(vault.requestCounts())
                .containsOnlyKeys("success", "client_error", "rate_limited", "server_error", "io_error");
        server.faults().enqueue("GET /v1/secrets/**", Fault.error(503, "unavailable"));
        vault.secrets().read(PATH);
        assertThatThrownBy(() -> vault.secrets().read("environments/production/billing/missing"))
                .isInstanceOf(NotFoundException.class);
        Map<String, Long> counts = vault.requestCounts();
        assertThat(counts.get("server_error")).isEqualTo(1);
        assertThat(counts.get("client_error")).isEqualTo(1);
        assertThat(counts.get("success")).isGreaterThanOrEqualTo(1);
        assertThat(counts.get("io_error")).isZero();
    }

    @Test
    void readsASecretWithAStaticTokenAndNeverShowsItsValues() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        Secret s = vault.secrets().read(PATH);
        assertThat(s.version()).isEqualTo(1);
        assertThat(s.string("password")).isEqualTo(DB_PASSWORD);
        assertThat(s.data().keySet()).containsExactlyInAnyOrder("username", "password");
        LeakCheck.assertNoSecretIn(s, vault, Auth.token(STATIC_TOKEN));
        RecordedRequest r = requests("GET", "/v1/secrets/").get(0);
        assertThat(r.header("User-Agent")).startsWith("scaivault-java/");
        assertThat(bearer(r)).isEqualTo(STATIC_TOKEN);
        assertThat(vault.whoami().identityId()).isEqualTo("idn_static");
    }

    @Test
    void tokenIsReplacedBeforeFiftyMinutesEvenWhenTheServerGrantsADay() throws Exception {
        ScaiVault vault = client(Auth.kubernetes(tokenFile("system:serviceaccount:prod:billing")));
        Map<String, Instant> firstUse = new HashMap<>();
        for (int minute = 0; minute <= 180; minute += 5) {
            vault.secrets().read(PATH);
            time.advance(Duration.ofMinutes(5));
        }
        // Replay the log on the simulated clock: a token is first used right after the exchange that got it.
        List<RecordedRequest> reads = requests("GET", "/v1/secrets/");
        assertThat(reads).hasSize(37);
        for (int i = 0; i < reads.size(); i++) {
            Instant at = time.now().minus(Duration.ofMinutes(5L * (reads.size() - i)));
            Instant first = firstUse.computeIfAbsent(bearer(reads.get(i)), t -> at);
            assertThat(Duration.between(first, at)).isLessThan(Duration.ofMinutes(50));
        }
        assertThat(requests("POST", "/v1/auth/exchange").size()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void sixtyFourThreadsNeedingATokenAtTheMomentItExpiresCauseOneExchange() throws Exception {
        ScaiVault vault = client(Auth.kubernetes(tokenFile("sa")));
        vault.secrets().read(PATH);
        // Jump past the token's life without letting the background refresh run.
        time.skip(Duration.ofMinutes(51));
        server.faults().latency("POST /v1/auth/exchange", Duration.ofMillis(200));
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 64; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    vault.secrets().read(PATH);
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(errors).isEmpty();
        assertThat(requests("POST", "/v1/auth/exchange")).hasSize(2);
    }

    @Test
    void theTokenFileIsReadAgainAtEveryExchange() throws Exception {
        Path f = tokenFile("first");
        ScaiVault vault = client(Auth.kubernetes(f).withRole("sa:billing"));
        vault.secrets().read(PATH);
        String second = server.mintSubjectToken("second", Duration.ofHours(24));
        LeakCheck.secret(second);
        Files.writeString(f, second + "\n");
        time.advance(Duration.ofMinutes(45)); // the background refresh exchanges again
        vault.secrets().read(PATH);
        List<RecordedRequest> exchanges = requests("POST", "/v1/auth/exchange");
        assertThat(exchanges).hasSize(2);
        JsonNode body = Protocol.JSON.readTree(exchanges.get(1).body());
        assertThat(body.path("subject_token").asText()).isEqualTo(second);
        assertThat(body.path("role").asText()).isEqualTo("sa:billing");
        assertThat(exchanges.get(1).header("Authorization")).isNull();
    }

    @Test
    void aTokenExpiredMidLifeIsReplacedOnceAndTheRequestSucceeds() throws Exception {
        ScaiVault vault = client(Auth.kubernetes(tokenFile("sa")));
        vault.secrets().read(PATH);
        server.clearRequests();
        server.faults().enqueue("GET /v1/secrets/**", Fault.error(401, "token_expired"));
        assertThat(vault.secrets().read(PATH).version()).isEqualTo(1);
        assertThat(server.requests())
                .extracting(r -> r.method() + " " + r.path() + " " + r.status())
                .containsExactly(
                        "GET /v1/secrets/" + PATH + " 401",
                        "POST /v1/auth/exchange 200",
                        "GET /v1/secrets/" + PATH + " 200");
    }

    @Test
    void aServerThatKeepsRefusingTheTokenGivesAClearErrorNotALoop() throws Exception {
        ScaiVault vault = client(Auth.kubernetes(tokenFile("sa")));
        vault.secrets().read(PATH);
        server.clearRequests();
        for (int i = 0; i < 10; i++) {
            server.faults().enqueue("GET /v1/secrets/**", Fault.error(401, "token_invalid"));
        }
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("token_invalid")
                .hasMessageContaining(PATH);
        assertThat(requests("GET", "/v1/secrets/")).hasSize(2);
        assertThat(requests("POST", "/v1/auth/exchange")).hasSize(1);
    }

    @Test
    void revokedTokenIsNotRetried() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults().enqueue("GET /v1/secrets/**", Fault.error(401, "token_revoked"));
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("token_revoked");
        assertThat(requests("GET", "/v1/secrets/")).hasSize(1);
    }

    @Test
    void rateLimitedReadWaitsForRetryAfterThenSucceeds() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults().enqueue("GET /v1/secrets/**", Fault.rateLimited(Duration.ofSeconds(2)));
        assertThat(vault.secrets().read(PATH).version()).isEqualTo(1);
        assertThat(time.waits()).hasSize(1);
        assertThat(time.waits().get(0))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2))
                .isLessThan(Duration.ofSeconds(3));
    }

    /**
     * The lease keeper's schedule is its retry policy: each scheduled attempt is one request, however many
     * attempts {@code Http} would make, and the next comes no sooner than the {@code Retry-After}. Before,
     * each keeper attempt was up to four requests, each sleeping its own Retry-After on the keeper's thread.
     */
    @Test
    void aLeaseKeeperInA429StormSendsOneRequestPerAttemptAndWaitsEachRetryAfter() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults()
                .enqueue(
                        "POST /v1/dynamic/engines/mem/creds/app",
                        Fault.rateLimited(Duration.ofSeconds(3)),
                        Fault.rateLimited(Duration.ofSeconds(3)),
                        Fault.rateLimited(Duration.ofSeconds(3)),
                        Fault.rateLimited(Duration.ofSeconds(3)));
        try (SecretSource<Credentials> source =
                LeaseSource.builder(vault, "mem", "app").startWithoutValue().build()) {
            for (int attempt = 1; attempt <= 4; attempt++) {
                int sent = attempt;
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> requests("POST", "/v1/dynamic/engines/").size() == sent && retryScheduled(source));
                Duration wait = Duration.between(time.now(), time.nextDue());
                assertThat(wait).as("wait after 429 number %d", attempt).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
                time.advance(wait);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> source.status().hasValue());
            assertThat(requests("POST", "/v1/dynamic/engines/")).hasSize(5);

            // The same for renewals: the storm costs one request per scheduled renewal attempt.
            server.faults()
                    .enqueue(
                            "POST /v1/dynamic/leases/**",
                            Fault.rateLimited(Duration.ofSeconds(5)),
                            Fault.rateLimited(Duration.ofSeconds(5)));
            // Pending now: the renewal and the expiry watch. A failed renewal leaves its retry and the watch.
            await().atMost(Duration.ofSeconds(10)).until(() -> time.pending() == 2);
            time.advance(Duration.between(time.now(), time.nextDue()));
            for (int renewal = 1; renewal <= 2; renewal++) {
                int sent = renewal;
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> requests("POST", "/v1/dynamic/leases/").size() == sent && time.pending() == 2);
                Duration wait = Duration.between(time.now(), time.nextDue());
                assertThat(wait)
                        .as("wait after renewal 429 number %d", renewal)
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
                time.advance(wait);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> source.status().lastError().isEmpty());
            assertThat(requests("POST", "/v1/dynamic/leases/")).hasSize(3);
        }
        assertThat(time.waits()).as("no retry time.waits() inside Http").isEmpty();
    }

    @Test
    void aFailClosedStartStillRetriesItsFirstGenerate() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults().enqueue("POST /v1/dynamic/engines/mem/creds/app", Fault.error(503, "service_unavailable"));
        try (SecretSource<Credentials> source =
                LeaseSource.builder(vault, "mem", "app").build()) {
            assertThat(source.status().hasValue()).isTrue();
        }
        assertThat(requests("POST", "/v1/dynamic/engines/")).hasSize(2);
        assertThat(time.waits()).hasSize(1);
    }

    private boolean retryScheduled(SecretSource<Credentials> source) {
        return time.nextDue() != null && source.status().lastError().isPresent();
    }

    @Test
    void retryAfterAsAnHttpDateIsHonouredToo() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults()
                .enqueue("GET /v1/secrets/**", Fault.rateLimitedAt(time.now().plusSeconds(5)));
        vault.secrets().read(PATH);
        assertThat(time.waits()).hasSize(1);
        // An HTTP date has whole seconds: between 4 and 6 s from a clock with sub-second parts.
        assertThat(time.waits().get(0)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
    }

    @Test
    void serviceUnavailableIsRetriedWithGrowingBackOff() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults()
                .enqueue(
                        "GET /v1/secrets/**",
                        Fault.error(503, "service_unavailable"),
                        Fault.error(503, "service_unavailable"),
                        Fault.error(503, "service_unavailable"));
        assertThat(vault.secrets().read(PATH).version()).isEqualTo(1);
        assertThat(requests("GET", "/v1/secrets/")).hasSize(4);
        assertThat(time.waits()).hasSize(3);
        // The library's one back-off: full jitter under ceilings of 200, 400, 800 ms, never under 10 ms.
        for (int i = 0; i < 3; i++) {
            assertThat(time.waits().get(i)).isBetween(Duration.ofMillis(10), Duration.ofMillis(200L << i));
        }
    }

    @Test
    void internalErrorIsRetriedOnce() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults()
                .enqueue("GET /v1/secrets/**", Fault.error(500, "internal_error"), Fault.error(500, "internal_error"));
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultApiException.class)
                .hasMessageContaining("internal_error");
        assertThat(requests("GET", "/v1/secrets/")).hasSize(2);
    }

    @Test
    void clientErrorsAreNeverRetried() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        int[] statuses = {400, 403, 404, 422};
        String[] codes = {"invalid_request", "access_denied", "secret_not_found", "validation_error"};
        for (int i = 0; i < statuses.length; i++) {
            server.clearRequests();
            server.faults().enqueue("GET /v1/secrets/**", Fault.error(statuses[i], codes[i]));
            int status = statuses[i];
            assertThatThrownBy(() -> vault.secrets().read(PATH))
                    .isInstanceOf(ScaiVaultApiException.class)
                    .satisfies(e ->
                            assertThat(((ScaiVaultApiException) e).status()).isEqualTo(status));
            assertThat(requests("GET", "/v1/secrets/")).hasSize(1);
        }
        assertThat(time.waits()).isEmpty();
    }

    @Test
    void aWriteWhoseConnectionDropsAfterSendingIsNotRetried() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults().enqueue("PUT /v1/secrets/**", Fault.dropConnection());
        assertThatThrownBy(() -> vault.secrets().write("apps/x", Map.of("k", "v")))
                .isInstanceOfSatisfying(ScaiVaultIoException.class, e -> assertThat(e.mayHaveReachedServer())
                        .isTrue());
        assertThat(requests("PUT", "/v1/secrets/")).hasSize(1);
        assertThat(time.waits()).isEmpty();
    }

    @Test
    void aReadWhoseConnectionDropsIsRetried() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults().enqueue("GET /v1/secrets/**", Fault.dropConnection(), Fault.truncatedBody());
        assertThat(vault.secrets().read(PATH).version()).isEqualTo(1);
        assertThat(requests("GET", "/v1/secrets/")).hasSize(3);
    }

    @Test
    void aProxyErrorPageIsRetriedForReadsButNotForWrites() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.faults().enqueue("GET /v1/secrets/**", Fault.status(502, "text/html", "<html>bad gateway</html>"));
        assertThat(vault.secrets().read(PATH).version()).isEqualTo(1);
        server.faults().enqueue("PUT /v1/secrets/**", Fault.status(502, "text/html", "<html>bad gateway</html>"));
        assertThatThrownBy(() -> vault.secrets().write("apps/y", Map.of("k", "v")))
                .isInstanceOfSatisfying(ScaiVaultApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("http_502");
                    assertThat(e.getMessage()).contains("HTTP 502").doesNotContain("<html>");
                });
        assertThat(requests("PUT", "/v1/secrets/")).hasSize(1);
    }

    @Test
    void noCallRetriesPastItsBudget() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN), b -> b.callBudget(Duration.ofSeconds(10))
                .maxAttempts(20));
        server.faults().enqueue("GET /v1/secrets/**", Fault.rateLimited(Duration.ofSeconds(60)));
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOfSatisfying(RateLimitedException.class, e -> assertThat(e.retryAfter())
                        .contains(Duration.ofSeconds(60)));
        assertThat(time.waits()).isEmpty();

        for (int i = 0; i < 50; i++) {
            server.faults().enqueue("GET /v1/secrets/**", Fault.error(503, "service_unavailable"));
        }
        Instant start = time.now();
        assertThatThrownBy(() -> vault.secrets().read(PATH)).isInstanceOf(ScaiVaultApiException.class);
        assertThat(Duration.between(start, time.now())).isLessThanOrEqualTo(Duration.ofSeconds(10));
        server.faults().clear();
    }

    @Test
    void aCallThatOutlastsItsBudgetIsReportedAsTimedOutNotCancelled() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN), b -> b.callBudget(Duration.ofMillis(300)));
        server.faults().latency("GET /v1/secrets/**", Duration.ofSeconds(3));
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultIoException.class)
                .hasMessageContaining("timed out")
                .hasMessageNotContaining("cancelled");
        server.faults().clear();
    }

    @Test
    void refusedConnectionsAreRetriedAndThenReportedAsNotReachingTheServer() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        server.refuseConnections(true);
        assertThatThrownBy(() -> vault.secrets().read(PATH)).isInstanceOfSatisfying(ScaiVaultIoException.class, e -> {
            assertThat(e.mayHaveReachedServer()).isFalse();
            assertThat(e.getMessage()).contains("connection refused", PATH);
        });
        assertThat(time.waits()).hasSize(3);
        server.refuseConnections(false);
        assertThat(vault.secrets().read(PATH).version()).isEqualTo(1);
    }

    @Test
    void theCacheServesTheLastGoodValueWhileTheServerIsDownThenFailsClearly() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN), b -> b.cacheTtl(Duration.ofMinutes(1))
                .cacheMaxStaleness(Duration.ofMinutes(10)));
        CachedSecret fresh = vault.cache().entry(PATH);
        assertThat(fresh.stale()).isFalse();
        assertThat(vault.cache().get(PATH)).isSameAs(fresh.secret()); // served from memory
        assertThat(requests("GET", "/v1/secrets/")).hasSize(1);

        server.refuseConnections(true);
        time.advance(Duration.ofMinutes(2));
        CachedSecret stale = vault.cache().entry(PATH);
        assertThat(stale.stale()).isTrue();
        assertThat(stale.secret().string("password")).isEqualTo(DB_PASSWORD);
        assertThat(stale.lastError()).hasValueSatisfying(m -> assertThat(m).contains("connection refused"));

        time.advance(Duration.ofMinutes(9));
        assertThatThrownBy(() -> vault.cache().get(PATH))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining(PATH)
                .hasMessageContaining("maximum staleness");

        server.refuseConnections(false);
        assertThat(vault.cache().entry(PATH).stale()).isFalse();
    }

    @Test
    void theCacheRefreshesAheadOfExpiryInTheBackground() throws Exception {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN), b -> b.cacheTtl(Duration.ofMinutes(5)));
        assertThat(vault.cache().get(PATH).version()).isEqualTo(1);
        server.putSecret(PATH, Map.of("username", "billing", "password", DB_PASSWORD + "-v2"));
        LeakCheck.secret(DB_PASSWORD + "-v2");
        time.advance(Duration.ofMinutes(4).plusSeconds(30));
        assertThat(vault.cache().get(PATH).version()).isEqualTo(1); // served at once, refresh handed over
        time.runDue(); // on virtual time, the background work runs when time moves on
        assertThat(vault.cache().get(PATH).version()).isEqualTo(2);
    }

    @Test
    void aMissingSecretIsNotPaperedOverByTheCache() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN), b -> b.cacheTtl(Duration.ofMinutes(1)));
        vault.cache().get(PATH);
        server.deleteSecret(PATH);
        time.advance(Duration.ofMinutes(2));
        assertThatThrownBy(() -> vault.cache().get(PATH)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void clientCredentialsWithBasicOrFormAuthentication() {
        for (Auth auth : List.of(
                Auth.clientCredentials(server.tokenUrl(), "billing-service", CLIENT_SECRET),
                Auth.clientCredentials(server.tokenUrl(), "billing-service", CLIENT_SECRET)
                        .withFormAuth()
                        .withScope("secrets:read"))) {
            server.clearRequests();
            ScaiVault vault = client(auth);
            assertThat(vault.secrets().read(PATH).version()).isEqualTo(1);
            RecordedRequest grant = server.requests().get(0);
            assertThat(grant.method()).isEqualTo("POST");
            assertThat(grant.body()).contains("grant_type=client_credentials");
            LeakCheck.assertNoSecretIn(auth);
        }
        ScaiVault wrong = client(Auth.clientCredentials(server.tokenUrl(), "billing-service", "wrong-secret-xyz"));
        LeakCheck.secret("wrong-secret-xyz");
        assertThatThrownBy(() -> wrong.secrets().read(PATH))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("invalid_client")
                .satisfies(e -> LeakCheck.assertNoSecretIn(e));
    }

    @Test
    void anExpiredOrForeignSubjectTokenIsRefusedWithTheServersCode() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, server.mintSubjectToken("sa", Duration.ofSeconds(-60)));
        ScaiVault vault = client(Auth.kubernetes(f));
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("token_expired");
        Files.writeString(f, "not-a-jwt-at-all");
        assertThatThrownBy(() -> vault.secrets().read(PATH)).hasMessageContaining("token_invalid");
        Files.delete(f);
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void batchReadsReportMissingPathsWithoutFailing() {
        server.putSecret("apps/a", Map.of("k", "va-secret-value"));
        LeakCheck.secret("va-secret-value");
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        BatchResult r = vault.secrets().batch(List.of(PATH, "apps/a", "apps/missing"));
        assertThat(r.secrets()).containsOnlyKeys(PATH, "apps/a");
        assertThat(r.secrets().get("apps/a").string("k")).isEqualTo("va-secret-value");
        assertThat(r.errors()).containsOnlyKeys("apps/missing");
        assertThat(r.errors().get("apps/missing").code()).isEqualTo("secret_not_found");
        LeakCheck.assertNoSecretIn(r);
    }

    @Test
    void writesAddVersionsAndOldVersionsStayReadable() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN));
        SecretVersion v = vault.secrets().write(PATH, Map.of("username", "billing", "password", "rotated-pw-123456"));
        LeakCheck.secret("rotated-pw-123456");
        assertThat(v.version()).isEqualTo(2);
        assertThat(vault.secrets().read(PATH).string("password")).isEqualTo("rotated-pw-123456");
        assertThat(vault.secrets().read(PATH, 1).string("password")).isEqualTo(DB_PASSWORD);
        assertThatThrownBy(() -> vault.secrets().read(PATH, 9))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("version_not_found");
    }

    @Test
    void theTenantHeaderIsSentWhenConfigured() {
        ScaiVault vault = client(Auth.token(STATIC_TOKEN), b -> b.tenant("tnt_partner_1"));
        vault.secrets().read(PATH);
        assertThat(requests("GET", "/v1/secrets/").get(0).header("X-Tenant-ID")).isEqualTo("tnt_partner_1");
    }
}
