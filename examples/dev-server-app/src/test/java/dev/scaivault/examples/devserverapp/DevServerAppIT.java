package dev.scaivault.examples.devserverapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.ScaiVault;
import dev.scaivault.examples.devserverapp.OrdersApp.Health;
import dev.scaivault.testkit.leak.LeakCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The walkthrough of docs/testkit.md, automated: the standalone dev server jar runs as a separate process
 * ({@code --postgres}, fixed tokens, 20 s leases with a 26 s max TTL, so the application moves to a new
 * database role about every 14 s); the orders service creates its schema with Flyway at start and serves
 * load while leases rotate; the control plane refuses connections for longer than a renewal interval and
 * then forces a rotation. Not one request fails, and the health goes UP, DEGRADED, UP.
 *
 * <p>Why these numbers: the client renews at about 2/3 of the remaining life (14 s of a fresh 20 s lease), so
 * a 15 s outage that starts on a fresh lease fails a renewal for sure and still ends 5 s before the lease
 * would run out (the server drops an expired role and ends its sessions, which no client can prevent).
 */
@ExtendWith(LeakCheck.class)
class DevServerAppIT {
    static final String TOKEN = "skt_dev_server_app_it_7f3a9c";
    static final String ADMIN = "sktadm_dev_server_app_it_91c2e4";
    static final Duration OUTAGE = Duration.ofSeconds(15);

    static Path jar;
    static Process server;
    static final Map<String, String> ENV = new HashMap<>();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startDevServer() throws Exception {
        LeakCheck.secret(TOKEN, ADMIN);
        jar = Path.of(System.getProperty("devServerJar", "missing"));
        assertThat(jar)
                .as("the testkit's -server jar (built by the testkit module)")
                .exists();
        Path log = Files.createTempFile(Path.of("target"), "dev-server", ".out");
        server = new ProcessBuilder(
                        java(),
                        "-jar",
                        jar.toString(),
                        "--port",
                        "0",
                        "--postgres",
                        "--token",
                        TOKEN,
                        "--admin-token",
                        ADMIN,
                        "--lease-ttl",
                        "20s",
                        "--max-ttl",
                        "26s")
                .redirectError(log.toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("spring.datasource.url=")) {
            if (line.startsWith("export ")) {
                String[] kv = line.substring("export ".length()).split("=", 2);
                ENV.put(kv[0], kv[1]);
            }
        }
        assertThat(ENV)
                .as("what the dev server printed (its errors: %s)", log)
                .containsKeys("SCAIVAULT_URL", "SCAIVAULT_TOKEN", "JDBC_URL", "SCAIVAULT_DEV_ADMIN_TOKEN");
        // Keep reading, so a full pipe never blocks the server.
        Thread drain = new Thread(
                () -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException e) {
                        // The server stopped.
                    }
                },
                "dev-server-stdout");
        drain.setDaemon(true);
        drain.start();
    }

    @AfterAll
    static void stopDevServer() throws Exception {
        if (server != null) {
            server.destroy(); // SIGTERM: the server revokes its leases, then stops PostgreSQL
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Run(int status, String out, String err) {}

    /** Runs the server jar with {@code args} as a separate process, as a developer would from a shell. */
    static Run jar(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(Path.of("target"), "jar", ".out");
        Path err = Files.createTempFile(Path.of("target"), "jar", ".err");
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return new Run(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    static Run admin(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("admin"));
        command.addAll(List.of(args));
        command.addAll(List.of("--server", ENV.get("SCAIVAULT_URL"), "--admin-token", ADMIN));
        Run r = jar(command.toArray(String[]::new));
        assertThat(r.status()).as("admin %s: %s", List.of(args), r.err()).isZero();
        return r;
    }

    static HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> controlPlane(String method, String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(ENV.get("SCAIVAULT_URL") + "/_devserver/" + path))
                .header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        json == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(json)));
    }

    static List<String> leaseIds(String listing) {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("lease_[0-9a-f]+").matcher(listing);
        while (m.find()) {
            ids.add(m.group());
        }
        return ids;
    }

    @Test
    void theJarPrintsItsHelpAndRefusesABadFlagWithOneLineAndStatus2() throws Exception {
        Run help = jar("--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("--lease-ttl DURATION").contains("Default: 24h.");
        Run bad = jar("--lease-ttl", "soon");
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err().lines().findFirst().orElseThrow())
                .startsWith("scaivault dev server: --lease-ttl needs a positive duration")
                .endsWith("got 'soon'");
        assertThat(jar("admin", "explode").status()).isEqualTo(2);
    }

    /** Requests against the orders service from a few threads, paced, counting every answer that is not 200. */
    static final class Load implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong ok = new AtomicLong();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new ArrayList<>();

        Load(int port, int threadCount) {
            for (int i = 0; i < threadCount; i++) {
                boolean writer = i % 2 == 0;
                Thread t = new Thread(() -> run(port, writer), "orders-load-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        private void run(int port, boolean writer) {
            URI uri = URI.create("http://127.0.0.1:" + port + "/orders");
            while (!stop.get()) {
                try {
                    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
                    HttpResponse<String> r =
                            send(writer ? b.POST(HttpRequest.BodyPublishers.ofString("book")) : b.GET());
                    if (r.statusCode() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(Instant.now() + " " + r.statusCode() + " " + r.body());
                    }
                    // Paced, so the load does not starve the server and the lease schedule on a small machine.
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    failures.add(Instant.now() + " " + e);
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }
    }

    /** Samples the service's health every 50 ms and keeps each change. */
    static final class HealthLog implements AutoCloseable {
        final List<String> changes = new CopyOnWriteArrayList<>();
        final Thread thread;
        volatile boolean stop;

        HealthLog(OrdersApp app) {
            thread = new Thread(
                    () -> {
                        Health last = null;
                        while (!stop) {
                            Health h = app.health();
                            if (h != last) {
                                changes.add(h.name());
                                last = h;
                            }
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "orders-health-log");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    @Test
    void theServiceServesEveryRequestThroughRotationsAnOutageAndAForcedRotation() throws Exception {
        long started = System.nanoTime();
        try (ScaiVault vault = ScaiVault.builder().environment(ENV).build()) {
            long ok;
            List<String> health;
            long rotations;
            String counts;
            try (OrdersApp app = OrdersApp.start(vault, ENV.get("JDBC_URL"), "postgres", "app", 0)) {
                Load load = new Load(app.port(), 4);
                HealthLog healthLog = new HealthLog(app);
                try (load;
                        healthLog) {
                    // Leases rotate under load: the pool moves to each new role without a failed request.
                    await().atMost(Duration.ofSeconds(90))
                            .until(() -> app.rotationMetrics().rotations() >= 1);

                    // ScaiVault is down for longer than a renewal interval, starting on a fresh lease.
                    await().atMost(Duration.ofSeconds(60)).until(() -> app.credentialStatus()
                            .validUntil()
                            .map(u -> Duration.between(Instant.now(), u).compareTo(Duration.ofSeconds(18)) > 0)
                            .orElse(false));
                    assertThat(controlPlane("POST", "refuse", "{\"for\":\"" + OUTAGE.toSeconds() + "s\"}")
                                    .statusCode())
                            .isEqualTo(202);
                    await().atMost(Duration.ofSeconds(30)).until(() -> app.health() == Health.DEGRADED);
                    await().atMost(Duration.ofSeconds(30)).until(() -> app.health() == Health.UP);

                    // A forced rotation from the admin command: the leases in force may not be renewed any more,
                    // so the service moves to a new one at its next renewal.
                    List<String> capped = leaseIds(admin("leases").out());
                    assertThat(capped).isNotEmpty();
                    List<String> cap = new ArrayList<>(List.of("cap"));
                    cap.addAll(capped);
                    assertThat(admin(cap.toArray(String[]::new)).out()).contains(capped.get(0) + " capped");
                    // Each capped lease is replaced and, after the pool's hand-off, revoked by the client.
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> leaseIds(
                                            controlPlane("GET", "leases", null).body())
                                    .stream()
                                    .noneMatch(capped::contains));
                    assertThat(leaseIds(admin("leases").out())).doesNotContainAnyElementsOf(capped);
                }
                ok = load.ok.get();
                health = healthLog.changes;
                rotations = app.rotationMetrics().rotations();
                assertThat(load.failures).as("failed requests").isEmpty();
                counts = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/orders")))
                        .body();
            }
            System.out.printf(
                    "%d requests, 0 failed, %d rotations, health %s, %s, %.1f s%n",
                    ok, rotations, health, counts, (System.nanoTime() - started) / 1e9);
            assertThat(ok).isGreaterThan(100);
            assertThat(rotations).isGreaterThanOrEqualTo(2);
            assertThat(health).containsSubsequence("UP", "DEGRADED", "UP").doesNotContain("DOWN");
            // Rows of one table, written by at least three database users: one per lease.
            Matcher users = Pattern.compile("\"database_users\":(\\d+)").matcher(counts);
            assertThat(users.find()).as(counts).isTrue();
            assertThat(Long.parseLong(users.group(1))).isGreaterThanOrEqualTo(3);

            // A restart: a new lease, Flyway finds the schema up to date, the data is there.
            try (OrdersApp again = OrdersApp.start(vault, ENV.get("JDBC_URL"), "postgres", "app", 0)) {
                String after = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + again.port() + "/orders")))
                        .body();
                assertThat(after).startsWith(counts.substring(0, counts.indexOf(',')));
                HttpResponse<String> h =
                        send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + again.port() + "/health")));
                assertThat(h.statusCode()).isEqualTo(200);
                assertThat(h.body()).contains("\"status\":\"UP\"").doesNotContain(TOKEN);
                String metrics = send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + again.port() + "/metrics")))
                        .body();
                assertThat(metrics).contains("scaivault_credentials_stale 0");
            }
        }
    }
}
