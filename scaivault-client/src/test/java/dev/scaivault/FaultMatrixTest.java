package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.testkit.Fault;
import dev.scaivault.testkit.ManualTime;
import dev.scaivault.testkit.RecordedRequest;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rows of the fault matrix (docs/reliability.md) that need a misbehaving server: slow answers, wrong
 * content types, truncated bodies, token files that go missing or change mid-exchange, and a server clock
 * 5 minutes off ours. Against the testkit's dev server over loopback HTTP; virtual time where the client
 * allows it, real but short timeouts where OkHttp measures them.
 */
class FaultMatrixTest {
    static final String TOKEN = "skt_fault_matrix_token_93b1c0";
    static final String PASSWORD = "fault-matrix-password-5d2e";
    static final String PATH = "environments/production/billing/database";

    @TempDir
    Path tmp;

    final List<AutoCloseable> closeLater = new ArrayList<>();
    final ManualTime time = new ManualTime(Instant.now());

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    ScaiVaultDevServer server() {
        return server(b -> {});
    }

    ScaiVaultDevServer server(Consumer<ScaiVaultDevServer.Builder> config) {
        LeakCheck.secret(TOKEN, PASSWORD);
        ScaiVaultDevServer.Builder b = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_faults")
                .rateLimitsEnabled(false)
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofHours(1), Duration.ofHours(24)))
                .dynamicRole("mem", "short", RoleConfig.of(Duration.ofMinutes(4), Duration.ofHours(1)));
        config.accept(b);
        ScaiVaultDevServer s = b.start();
        closeLater.add(s);
        s.putSecret(PATH, Map.of("username", "billing", "password", PASSWORD));
        return s;
    }

    /** A client on virtual time: back-off time.waits() move the clock; OkHttp's timeouts stay real. */
    ScaiVault virtualTimeClient(ScaiVaultDevServer server, Auth auth, Consumer<ScaiVault.Builder> config) {
        ScaiVault.Builder b =
                ScaiVault.builder().url(server.baseUrl()).auth(auth).time(Time.of(time, time));
        config.accept(b);
        return keep(b.build());
    }

    ScaiVault realTimeClient(ScaiVaultDevServer server, Auth auth, Consumer<ScaiVault.Builder> config) {
        ScaiVault.Builder b = ScaiVault.builder().url(server.baseUrl()).auth(auth);
        config.accept(b);
        return keep(b.build());
    }

    <T extends AutoCloseable> T keep(T t) {
        closeLater.add(t);
        return t;
    }

    static List<RecordedRequest> requests(ScaiVaultDevServer server, String method, String pathPrefix) {
        return server.requests().stream()
                .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
                .toList();
    }

    static String subjectToken(RecordedRequest exchange) throws Exception {
        JsonNode body = Protocol.JSON.readTree(exchange.body());
        return body.path("subject_token").asText();
    }

    // ---------------------------------------------------------------- 1. slow server

    @Test
    void aSlowServerEndsTheCallAsTimedOutWithinTheReadTimeoutAndTheBudget() {
        ScaiVaultDevServer server = server();
        ScaiVault vault = realTimeClient(server, Auth.token(TOKEN), b -> b.readTimeout(Duration.ofMillis(200))
                .callBudget(Duration.ofMillis(600)));
        server.faults().latency("GET /v1/secrets/**", Duration.ofSeconds(5));
        long started = System.nanoTime();
        ScaiVaultIoException e = assertTimeoutPreemptively(
                Duration.ofSeconds(3),
                () -> org.junit.jupiter.api.Assertions.assertThrows(
                        ScaiVaultIoException.class, () -> vault.secrets().read(PATH)));
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("slow server: the read gave up after %d ms (read timeout 200 ms, budget 600 ms)%n", ms);
        assertThat(e.getMessage()).contains("timed out", PATH).doesNotContain("cancelled");
        assertThat(e.mayHaveReachedServer()).isTrue();
        // Attempts within the budget: the read timeout ends each one, the budget ends the call.
        assertThat(requests(server, "GET", "/v1/secrets/")).hasSizeBetween(2, 4);
        server.faults().clear();
    }

    @Test
    void aCachedSecretIsServedAtOnceInItsRefreshWindowAndStaleAfterTheBudgetWhileTheServerIsSlow() {
        ScaiVaultDevServer server = server();
        ScaiVault vault = virtualTimeClient(server, Auth.token(TOKEN), b -> b.readTimeout(Duration.ofMillis(200))
                .callBudget(Duration.ofMillis(500))
                .cacheTtl(Duration.ofMinutes(1)));
        assertThat(vault.cache().get(PATH).string("password")).isEqualTo(PASSWORD);
        server.faults().latency("GET /v1/secrets/**", Duration.ofSeconds(5));

        time.advance(Duration.ofSeconds(50)); // past 80 % of the TTL: served from memory, refreshed behind
        CachedSecret early = assertTimeoutPreemptively(
                Duration.ofMillis(300), () -> vault.cache().entry(PATH));
        assertThat(early.stale()).isFalse();

        time.advance(Duration.ofSeconds(20)); // past the TTL: re-read, bounded by the call budget
        CachedSecret late = assertTimeoutPreemptively(
                Duration.ofSeconds(3), () -> vault.cache().entry(PATH));
        assertThat(late.stale()).isTrue();
        assertThat(late.secret().string("password")).isEqualTo(PASSWORD);
        assertThat(late.lastError()).hasValueSatisfying(m -> assertThat(m).contains("timed out"));
        server.faults().clear();
    }

    // ---------------------------------------------------------------- 2. wrong content type

    @Test
    void aJsonBodyLabelledTextHtmlIsRefusedNamingTheTypeAndThePathAndTheCacheKeepsItsValue() {
        ScaiVaultDevServer server = server();
        ScaiVault vault = virtualTimeClient(server, Auth.token(TOKEN), b -> b.cacheTtl(Duration.ofMinutes(1)));
        server.faults().enqueue("GET /v1/secrets/**", Fault.wrongContentType());
        assertThatThrownBy(() -> vault.secrets().read(PATH)).isInstanceOfSatisfying(ScaiVaultIoException.class, e -> {
            assertThat(e.getMessage())
                    .contains("read secret " + PATH, "Content-Type text/html", "not application/json")
                    .doesNotContain(PASSWORD);
            LeakCheck.assertNoSecretIn(e);
        });
        // Not retried: a web page at the configured URL does not turn into ScaiVault on a second try.
        assertThat(requests(server, "GET", "/v1/secrets/")).hasSize(1);

        assertThat(vault.cache().get(PATH).string("password")).isEqualTo(PASSWORD);
        time.advance(Duration.ofMinutes(2));
        server.faults().enqueue("GET /v1/secrets/**", Fault.wrongContentType());
        CachedSecret kept = vault.cache().entry(PATH);
        assertThat(kept.stale()).isTrue();
        assertThat(kept.secret().string("password")).isEqualTo(PASSWORD);
        assertThat(kept.lastError()).hasValueSatisfying(m -> assertThat(m).contains("text/html"));
        assertThat(vault.cache().entry(PATH).stale()).isFalse(); // the next good answer
        LeakCheck.assertNoSecretLogged();
    }

    @Test
    void jsonContentTypesWithParametersOrASuffixAreAccepted() {
        assertThat(Protocol.isJson("application/json")).isTrue();
        assertThat(Protocol.isJson("Application/JSON; charset=utf-8")).isTrue();
        assertThat(Protocol.isJson("application/problem+json")).isTrue();
        assertThat(Protocol.isJson(null)).isTrue();
        assertThat(Protocol.isJson("text/html; charset=utf-8")).isFalse();
        assertThat(Protocol.isJson("text/plain")).isFalse();
        assertThat(Protocol.isJson("application/jsonp")).isFalse();
    }

    // ---------------------------------------------------------------- 3. truncated body

    @Test
    void aTruncatedAnswerToAReadIsRetriedAndOneToAWriteIsNot() {
        ScaiVaultDevServer server = server();
        ScaiVault vault = virtualTimeClient(server, Auth.token(TOKEN), b -> {});
        server.faults().enqueue("GET /v1/secrets/**", Fault.truncatedBody());
        assertThat(vault.secrets().read(PATH).string("password")).isEqualTo(PASSWORD);
        assertThat(requests(server, "GET", "/v1/secrets/")).hasSize(2);
        assertThat(time.waits()).hasSize(1);

        server.faults().enqueue("PUT /v1/secrets/**", Fault.truncatedBody());
        assertThatThrownBy(() -> vault.secrets().write("apps/x", Map.of("k", "v")))
                .isInstanceOfSatisfying(ScaiVaultIoException.class, e -> {
                    assertThat(e.mayHaveReachedServer()).isTrue();
                    assertThat(e.getMessage()).contains("apps/x", "PUT", "cut short");
                });
        assertThat(requests(server, "PUT", "/v1/secrets/")).hasSize(1);
        assertThat(time.waits()).hasSize(1);
        // It had reached the server: the one version the write added is there, not two.
        assertThat(vault.secrets().read("apps/x").version()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- 4. the projected token file

    @Test
    void aTokenFileMissingAtStartIsNamedAndNothingIsSent() {
        ScaiVaultDevServer server = server();
        Path missing = tmp.resolve("serviceaccount/token");
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(missing), b -> {});
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultException.class)
                .hasMessage("service-account token file " + missing + " does not exist");
        assertThat(server.requests()).isEmpty();
    }

    /** A FIFO at {@code path}, made by mkfifo(1). */
    static Path fifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assumeThat(p.waitFor()).as("mkfifo works here").isZero();
        return path;
    }

    @Test
    void aFifoAsTokenFileIsRefusedAtOnceInsteadOfBlockingTheCaller() throws Exception {
        ScaiVaultDevServer server = server();
        Path fifo = fifo(tmp.resolve("token"));
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(fifo), b -> {});
        // Was: opening the FIFO blocked the calling thread until a writer came, past any budget.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(
                        () -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultException.class)
                .hasMessage("service-account token file " + fifo
                        + " cannot be read: it is a FIFO, socket or device, not a regular file"));
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void anAbsurdlyLargeTokenFileIsRefusedWithoutReadingItWhole() throws Exception {
        ScaiVaultDevServer server = server();
        Path big = tmp.resolve("token");
        try (var ch = java.nio.channels.FileChannel.open(
                big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}), (4L << 30) - 1); // sparse: 4 GiB
        }
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(big), b -> {});
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .hasMessage("service-account token file " + big + " cannot be read: it holds 4294967296 bytes or more,"
                        + " over the limit of 65536 for a token");
        Files.writeString(big, "not-a-jwt-but-a-token", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        // The next exchange reads the fixed file: nothing was left stuck by the refusal.
        assertThatThrownBy(() -> vault.secrets().read(PATH)).hasMessageContaining("HTTP 401");
    }

    @Test
    void aTokenFileThatCannotBeReadIsNamed() throws Exception {
        ScaiVaultDevServer server = server();
        // chmod 000 does not stop root, which these tests run as: a directory in place of the file can't be read.
        Path dir = Files.createDirectories(tmp.resolve("token"));
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(dir), b -> {});
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultException.class)
                .hasMessage(
                        "service-account token file " + dir + " cannot be read: it is a directory, not a regular file");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aTokenFileWithoutReadPermissionIsNamed() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, "not-a-real-jwt-but-secret-enough");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assumeThat(Files.isReadable(f))
                .as("runs as root: mode 000 does not stop reads")
                .isFalse();
        ScaiVaultDevServer server = server();
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(f), b -> {});
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultException.class)
                .hasMessage("service-account token file " + f + " cannot be read: AccessDeniedException");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void anEmptyTokenFileIsNamedAndNoExchangeIsSent() throws Exception {
        ScaiVaultDevServer server = server();
        Path f = tmp.resolve("token");
        Files.writeString(f, " \n");
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(f), b -> {});
        assertThatThrownBy(() -> vault.secrets().read(PATH))
                .isInstanceOf(ScaiVaultException.class)
                .hasMessage("service-account token file " + f + " is empty");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void aTokenReplacedByKubeletDuringAnExchangeIsUsedFromTheNextExchangeOn() throws Exception {
        ScaiVaultDevServer server = server();
        String first = server.mintSubjectToken("system:serviceaccount:prod:billing", Duration.ofHours(1));
        String second = server.mintSubjectToken("system:serviceaccount:prod:billing", Duration.ofHours(2));
        LeakCheck.secret(first, second);
        KubeletVolume volume = KubeletVolume.at(tmp.resolve("sa"));
        volume.writeStrings(Map.of("token", first));
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(volume.dir().resolve("token")), b -> {});

        server.faults().enqueue("POST /v1/auth/exchange", Fault.delay(Duration.ofMillis(500)));
        CompletableFuture<Secret> read =
                CompletableFuture.supplyAsync(() -> vault.secrets().read(PATH));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !requests(server, "POST", "/v1/auth/exchange").isEmpty());
        assertThat(volume.writeStrings(Map.of("token", second))).isTrue(); // while the exchange is held
        assertThat(read.get(5, TimeUnit.SECONDS).string("password")).isEqualTo(PASSWORD);

        time.advance(Duration.ofMinutes(45)); // the refresh ahead of time: a new exchange
        vault.secrets().read(PATH);
        List<RecordedRequest> exchanges = requests(server, "POST", "/v1/auth/exchange");
        assertThat(exchanges).hasSize(2);
        assertThat(subjectToken(exchanges.get(0))).isEqualTo(first);
        assertThat(subjectToken(exchanges.get(1))).isEqualTo(second);
        assertThat(exchanges).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    }

    @Test
    void exchangesWhileKubeletKeepsSwappingTheTokenNeverSendATornOrEmptyOne() throws Exception {
        ScaiVaultDevServer server = server();
        List<String> tokens = List.of(
                server.mintSubjectToken("system:serviceaccount:prod:billing", Duration.ofHours(1)),
                server.mintSubjectToken("system:serviceaccount:prod:billing", Duration.ofHours(3)));
        tokens.forEach(LeakCheck::secret);
        KubeletVolume volume = KubeletVolume.at(tmp.resolve("sa"));
        volume.writeStrings(Map.of("token", tokens.get(0)));
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(volume.dir().resolve("token")), b -> {});
        vault.secrets().read(PATH);

        CompletableFuture<Void> kubelet = CompletableFuture.runAsync(() -> {
            for (int i = 1; i <= 200; i++) {
                volume.writeStrings(Map.of("token", tokens.get(i % 2)));
            }
        });
        int reads = 0;
        while (!kubelet.isDone() || reads < 20) {
            // Each 401 token_expired forces one exchange, which re-reads the file.
            server.faults().enqueue("GET /v1/secrets/**", Fault.error(401, "token_expired"));
            vault.secrets().read(PATH);
            reads++;
        }
        kubelet.get(10, TimeUnit.SECONDS);
        List<RecordedRequest> exchanges = requests(server, "POST", "/v1/auth/exchange");
        System.out.printf("%d exchanges while kubelet swapped the token file 200 times%n", exchanges.size());
        assertThat(exchanges).hasSizeGreaterThan(20);
        for (RecordedRequest r : exchanges) {
            assertThat(subjectToken(r)).isIn(tokens);
            assertThat(r.status()).isEqualTo(200);
        }
    }

    // ---------------------------------------------------------------- 5. clock skew

    @ParameterizedTest(name = "server clock {0} min off ours")
    @ValueSource(ints = {5, -5})
    void leaseTimesAreOnOurClockWhateverTheServersSays(int minutes) {
        Duration skew = Duration.ofMinutes(minutes);
        ScaiVaultDevServer server = server(b -> b.clock(Clock.offset(Clock.systemUTC(), skew)));
        ScaiVault vault = realTimeClient(server, Auth.token(TOKEN), b -> {});
        Instant before = Instant.now();
        Lease lease = vault.dynamic().generate("mem", "app", Duration.ofHours(1));
        Instant after = Instant.now();
        LeakCheck.secret(lease.data().get("password"));
        // lease_duration is whole seconds, rounded down: up to a second early, never late.
        assertThat(lease.expiresAt())
                .isBetween(before.plus(Duration.ofMinutes(60)).minusSeconds(1), after.plus(Duration.ofMinutes(60)));
        assertThat(lease.maxExpiresAt()).hasValueSatisfying(m -> assertThat(m)
                .isBetween(before.plus(Duration.ofHours(24)).minusSeconds(2), after.plus(Duration.ofHours(24))));

        Lease renewed = vault.dynamic().renew(lease.id(), Duration.ofMinutes(30));
        assertThat(renewed.expiresAt())
                .isBetween(
                        before.plus(Duration.ofMinutes(30)).minusSeconds(1),
                        Instant.now().plus(Duration.ofMinutes(30)));

        // A 4-minute lease from a server 5 minutes behind is not "already expired".
        try (var source = LeaseSource.builder(vault, "mem", "short").build()) {
            assertThat(source.status().usableAt(Instant.now())).isTrue();
            assertThat(source.status().validUntil()).hasValueSatisfying(v -> assertThat(v)
                    .isBetween(
                            before.plus(Duration.ofMinutes(4)).minusSeconds(1),
                            Instant.now().plus(Duration.ofMinutes(4))));
        }
    }

    @ParameterizedTest(name = "server clock {0} min off ours")
    @ValueSource(ints = {5, -5})
    void tokenLifeAndRetryAfterDatesAreMeasuredOnTheServersClock(int minutes) throws Exception {
        Duration skew = Duration.ofMinutes(minutes);
        Clock serverClock = Clock.offset(Clock.systemUTC(), skew);
        ScaiVaultDevServer server = server(b -> b.clock(serverClock).issuedTokenLifetime(Duration.ofMinutes(10)));
        Path f = tmp.resolve("token");
        String jwt = server.mintSubjectToken("system:serviceaccount:prod:billing", Duration.ofHours(1));
        LeakCheck.secret(jwt);
        Files.writeString(f, jwt);
        ScaiVault vault = virtualTimeClient(server, Auth.kubernetes(f), b -> {});

        // No refresh loop, no token kept past its end: one exchange per 8 minutes of a 10-minute token.
        for (int i = 0; i < 30; i++) {
            vault.secrets().read(PATH);
            time.advance(Duration.ofMinutes(1));
        }
        List<RecordedRequest> exchanges = requests(server, "POST", "/v1/auth/exchange");
        assertThat(exchanges).hasSizeBetween(4, 5);
        assertThat(requests(server, "GET", "/v1/secrets/"))
                .allSatisfy(r -> assertThat(r.status()).isEqualTo(200));

        // Retry-After as a date on the server's clock: 3 s from the server's now, whatever ours says.
        server.faults()
                .enqueue(
                        "GET /v1/secrets/**",
                        Fault.rateLimitedAt(serverClock.instant().plusSeconds(3)));
        vault.secrets().read(PATH);
        assertThat(time.waits()).hasSize(1);
        assertThat(time.waits().get(0)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void anAbsoluteTokenExpiryIsAnchoredOnTheAnswersDate() {
        Instant ours = Instant.parse("2026-12-01T10:00:00Z");
        Instant servers = ours.plus(Duration.ofMinutes(5));
        JsonNode answer = Protocol.parse(
                ("{\"access_token\":\"t0k3n-xyz\",\"expires_at\":\"" + servers.plus(Duration.ofMinutes(10)) + "\"}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "exchange");
        assertThat(Protocol.issuedToken(answer, ours, servers, "exchange").expiresAt())
                .isEqualTo(ours.plus(Duration.ofMinutes(10)));
        // Without a Date header the server's time is all there is.
        assertThat(Protocol.issuedToken(answer, ours, null, "exchange").expiresAt())
                .isEqualTo(servers.plus(Duration.ofMinutes(10)));
        String jwt = ProtocolTest.jwt(
                "{\"exp\":" + servers.minus(Duration.ofMinutes(7)).getEpochSecond() + "}");
        JsonNode bare = Protocol.parse(
                ("{\"token\":\"" + jwt + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8), "exchange");
        assertThat(Protocol.issuedToken(bare, ours, servers.minus(Duration.ofMinutes(10)), "exchange")
                        .expiresAt())
                .isEqualTo(ours.plus(Duration.ofMinutes(3)));
    }

    @Test
    void aLeaseFromAServerWhoseClockAgreesKeepsItsPreciseExpiryAndOneThatDisagreesIsMoved() {
        Instant ours = Instant.parse("2026-12-01T10:00:00.300Z");
        // 1.5 s left by the server's clock (0.2 s behind ours): lease_duration says 1, expires_at is exact.
        Lease agreeing = Protocol.lease(
                Protocol.parse(
                        "{\"lease_id\":\"l1\",\"lease_duration\":1,\"expires_at\":\"2026-12-01T10:00:01.600Z\"}"
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "lease"),
                ours,
                "mem",
                "app");
        assertThat(agreeing.expiresAt()).isEqualTo(Instant.parse("2026-12-01T10:00:01.600Z"));
        // The same answer from a server 5 minutes ahead: moved onto our clock, up to a second early.
        Lease ahead = Protocol.lease(
                Protocol.parse(
                        "{\"lease_id\":\"l2\",\"lease_duration\":1,\"expires_at\":\"2026-12-01T10:05:01.600Z\"}"
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "lease"),
                ours,
                "mem",
                "app");
        assertThat(ahead.expiresAt()).isEqualTo(ours.plusSeconds(1));
    }
}
