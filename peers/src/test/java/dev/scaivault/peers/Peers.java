package dev.scaivault.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariConfigMXBean;
import com.zaxxer.hikari.HikariCredentialsProvider;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.scaivault.Auth;
import dev.scaivault.Lease;
import dev.scaivault.ScaiVault;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.rotation.RotatingSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.Machine;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.pg.TestPostgres;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.lease.SecretLeaseContainer;
import org.springframework.vault.core.lease.domain.RequestedSecret;
import org.springframework.vault.core.lease.event.SecretLeaseCreatedEvent;

/**
 * The harness of issue 17: every approach, in sequence, in one JVM, against one embedded PostgreSQL, under the
 * same load (8 query threads, pool size 10) and the same number of credential rotations. Dynamic approaches
 * rotate on their own schedule over leases of {@link #LEASE_TTL}; static approaches are rotated by this
 * harness every {@link #STATIC_INTERVAL} the way a rotation job does it: the password changed in the database
 * first, then the secret updated. {@link #main} writes the JSON report and a markdown table next to it.
 */
public final class Peers implements AutoCloseable {
    static final int THREADS = 8;
    static final int POOL_SIZE = 10;
    static final Duration LEASE_TTL = Duration.ofSeconds(6);
    static final Duration STATIC_INTERVAL = Duration.ofSeconds(3);
    static final Duration WINDOW = Duration.ofSeconds(1);
    static final Duration MIN_SETTLE = Duration.ofSeconds(1);
    /** Long enough for a 30 s maxLifetime (plus HikariCP's up to 2.5 % variance) to retire every connection. */
    static final Duration FULL_SETTLE = Duration.ofSeconds(35);

    private static final String TOKEN = "skt_peers_" + UUID.randomUUID();
    private static final String VAULT_TOKEN = "hvs.peers-" + UUID.randomUUID();

    private final int rotations;
    private final Duration settle;
    private final TestPostgres pg;
    private final ScaiVaultDevServer server;
    private int roleSeq;

    Peers(int rotations, Duration settle) {
        this.rotations = rotations;
        this.settle = settle;
        this.pg = TestPostgres.start();
        this.server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_peers")
                .rateLimitsEnabled(false)
                .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                .postgresRole("postgres", "app", RoleConfig.of(LEASE_TTL, LEASE_TTL))
                .start();
    }

    private ScaiVault client() {
        return ScaiVault.builder().url(server.baseUrl()).auth(Auth.token(TOKEN)).build();
    }

    private static long requestsOf(ScaiVault vault) {
        return vault.requestCounts().values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    private HikariDataSource pool(String name) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(pg.jdbcUrl());
        ds.setPoolName(name);
        ds.setMaximumPoolSize(POOL_SIZE);
        ds.setConnectionTimeout(10_000);
        return ds;
    }

    /** What one approach sets up: the pool the load runs through, and how to count its secrets-server calls. */
    interface Setup extends AutoCloseable {
        HikariDataSource pool();

        long requests();

        /** Static approaches: publish the new password (the database already has it). Dynamic: unused. */
        default void publish(String role, String password) throws Exception {
            throw new UnsupportedOperationException();
        }
    }

    interface SetupFactory {
        Setup start(Probe probe, String role, String password) throws Exception;
    }

    // ---------------------------------------------------------------- the approaches

    /** 1a. A dynamic lease through the binding. */
    Setup oursDynamic(Probe probe, String unusedRole, String unusedPassword) {
        ScaiVault vault = client();
        SecretSource<Credentials> source = LeaseSource.builder(vault, "postgres", "app")
                .closeTimeout(Duration.ofSeconds(5))
                .build();
        var sub = source.subscribe(change -> probe.rotated(change.current().username(), null));
        HikariDataSource ds = pool("ours-dynamic");
        HikariCredentialBinding binding =
                HikariCredentialBinding.builder(ds, source).bind();
        return setup(ds, () -> requestsOf(vault), binding, sub, source, vault);
    }

    /** 1b. A ScaiVault static secret, followed through rotation events, through the binding. */
    Setup oursStatic(Probe probe, String role, String password) throws Exception {
        ScaiVault vault = client();
        String path = "apps/peers/" + role;
        server.putSecret(path, Map.of("username", role, "password", password));
        SecretSource<Credentials> source = RotatingSecretSource.builder(vault, path)
                .minPollInterval(Duration.ZERO)
                .pollTimeout(Duration.ofSeconds(5))
                .build()
                .map(Credentials.fromKeys());
        HikariDataSource ds = pool("ours-static");
        HikariCredentialBinding binding =
                HikariCredentialBinding.builder(ds, source).bind();
        return new StaticSetup(ds, () -> requestsOf(vault), path, binding, source, vault);
    }

    /** 2. The hand-written MXBean recipe on top of the same ScaiVault static source's change events. */
    Setup recipe(Probe probe, String role, String password, boolean evictFirst) throws Exception {
        ScaiVault vault = client();
        String path = "apps/peers/" + role;
        server.putSecret(path, Map.of("username", role, "password", password));
        SecretSource<Credentials> source = RotatingSecretSource.builder(vault, path)
                .minPollInterval(Duration.ZERO)
                .pollTimeout(Duration.ofSeconds(5))
                .build()
                .map(Credentials.fromKeys());
        HikariDataSource ds = pool(evictFirst ? "evict-then-set" : "set-then-evict");
        ds.setUsername(source.current().username());
        ds.setPassword(source.current().password());
        var sub = source.subscribe(change -> {
            Credentials c = change.current();
            HikariPoolMXBean poolBean = ds.getHikariPoolMXBean();
            HikariConfigMXBean config = ds.getHikariConfigMXBean();
            if (evictFirst && poolBean != null) {
                poolBean.softEvictConnections();
            }
            config.setUsername(c.username());
            config.setPassword(c.password());
            if (!evictFirst && poolBean != null) {
                poolBean.softEvictConnections();
            }
        });
        return new StaticSetup(ds, () -> requestsOf(vault), path, sub, source, vault);
    }

    /** 3. Spring Vault's SecretLeaseContainer (ROTATE) and the listener of spring-cloud-vault#557. */
    Setup springVault(Probe probe, String unusedRole, String unusedPassword) throws Exception {
        ScaiVault backend = client();
        VaultFacade facade = new VaultFacade(backend.dynamic(), "postgres", VAULT_TOKEN);
        VaultEndpoint endpoint = VaultEndpoint.create(
                "127.0.0.1",
                Integer.parseInt(facade.baseUrl().substring(facade.baseUrl().lastIndexOf(':') + 1)));
        endpoint.setScheme("http");
        VaultTemplate template = new VaultTemplate(endpoint, new TokenAuthentication(VAULT_TOKEN));
        SecretLeaseContainer container = new SecretLeaseContainer(template);
        // spring-cloud-vault#85's workaround, scaled to a 6 s lease: min-renewal=10s, expiry-threshold=5s there.
        container.setMinRenewal(Duration.ofSeconds(1));
        container.setExpiryThreshold(Duration.ofSeconds(2));
        HikariDataSource ds = pool("spring-vault");
        RequestedSecret secret = container.requestRotatingSecret("database/creds/app");
        container.addLeaseListener(event -> {
            if (event.getSource() == secret && event instanceof SecretLeaseCreatedEvent created) {
                Map<String, Object> s = created.getSecrets();
                String user = String.valueOf(s.get("username"));
                String pw = String.valueOf(s.get("password"));
                // The snippet of spring-cloud-vault#557, as written there: evict, then set.
                HikariPoolMXBean poolBean = ds.getHikariPoolMXBean();
                if (poolBean != null) {
                    poolBean.softEvictConnections();
                }
                HikariConfigMXBean config = ds.getHikariConfigMXBean();
                config.setUsername(user);
                config.setPassword(pw);
                probe.rotated(user, null);
            }
        });
        container.afterPropertiesSet();
        container.start();
        return setup(ds, facade::requests, container::destroy, facade, backend);
    }

    /** 4. The AWS Secrets Manager JDBC wrapper against the Secrets Manager facade. */
    Setup awsWrapper(Probe probe, String role, String password) throws Exception {
        SecretsManagerFacade facade = new SecretsManagerFacade("peers/" + role, role, password);
        // The wrapper's own configuration keys (JDBCSecretCacheBuilderProvider): system properties or
        // secretsmanager.properties. The SDK needs some credentials; the facade does not check signatures.
        System.setProperty("drivers.vpcEndpointUrl", facade.endpoint());
        System.setProperty("drivers.vpcEndpointRegion", "us-east-1");
        System.setProperty("aws.accessKeyId", "peers");
        System.setProperty("aws.secretAccessKey", "peers-not-a-secret");
        System.setProperty("aws.region", "us-east-1");
        HikariDataSource ds = new HikariDataSource();
        ds.setDriverClassName("com.amazonaws.secretsmanager.sql.AWSSecretsManagerPostgreSQLDriver");
        ds.setJdbcUrl(pg.jdbcUrl().replace("jdbc:postgresql:", "jdbc-secretsmanager:postgresql:"));
        ds.setUsername("peers/" + role);
        ds.setPoolName("aws-jdbc-wrapper");
        ds.setMaximumPoolSize(POOL_SIZE);
        ds.setConnectionTimeout(10_000);
        // HikariCP's floor; with its default (30 min) no connection would leave the old password in the run.
        ds.setMaxLifetime(30_000);
        return new StaticSetup(ds, facade::requests, null, facade) {
            @Override
            public void publish(String r, String pw) throws Exception {
                facade.put(r, pw);
            }
        };
    }

    /** 5a. HikariCP 7's credentials provider over a lazily re-acquired lease; maxLifetime does the rotation. */
    Setup lazyDynamic(Probe probe, String unusedRole, String unusedPassword) {
        ScaiVault vault = client();
        HikariDataSource ds = pool("hikari7-provider-dynamic");
        ds.setMaxLifetime(30_000);
        ds.setCredentialsProvider(new HikariCredentialsProvider() {
            private Lease lease;

            @Override
            public synchronized com.zaxxer.hikari.util.Credentials getCredentials() {
                Instant now = Instant.now();
                if (lease == null
                        || lease.remainingAt(now)
                                        .compareTo(
                                                lease.duration().multipliedBy(2).dividedBy(5))
                                < 0) {
                    lease = vault.dynamic().generate("postgres", "app", null);
                    probe.rotated(lease.data().get("username"), null);
                }
                return com.zaxxer.hikari.util.Credentials.of(
                        lease.data().get("username"), lease.data().get("password"));
            }
        });
        return setup(ds, () -> requestsOf(vault), vault);
    }

    /** 5b. HikariCP 7's credentials provider returning the latest static secret; maxLifetime does the rotation. */
    Setup lazyStatic(Probe probe, String role, String password) throws Exception {
        ScaiVault vault = client();
        String path = "apps/peers/" + role;
        server.putSecret(path, Map.of("username", role, "password", password));
        SecretSource<Credentials> source = RotatingSecretSource.builder(vault, path)
                .minPollInterval(Duration.ZERO)
                .pollTimeout(Duration.ofSeconds(5))
                .build()
                .map(Credentials.fromKeys());
        HikariDataSource ds = pool("hikari7-provider-static");
        ds.setMaxLifetime(30_000);
        ds.setCredentialsProvider(() -> com.zaxxer.hikari.util.Credentials.of(
                source.current().username(), source.current().password()));
        return new StaticSetup(ds, () -> requestsOf(vault), path, source, vault);
    }

    private Setup setup(HikariDataSource ds, LongSupplier requests, AutoCloseable... closeables) {
        return new StaticSetup(ds, requests, null, closeables);
    }

    private class StaticSetup implements Setup {
        private final HikariDataSource ds;
        private final LongSupplier requests;
        private final String path;
        private final AutoCloseable[] closeables;

        StaticSetup(HikariDataSource ds, LongSupplier requests, String path, AutoCloseable... closeables) {
            this.ds = ds;
            this.requests = requests;
            this.path = path;
            this.closeables = closeables;
        }

        @Override
        public HikariDataSource pool() {
            return ds;
        }

        @Override
        public long requests() {
            return requests.getAsLong();
        }

        @Override
        public void publish(String role, String password) throws Exception {
            server.rotateSecret(path, Map.of("username", role, "password", password));
        }

        @Override
        public void close() throws Exception {
            ds.close();
            for (AutoCloseable c : closeables) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the run

    List<Row> runAll() throws Exception {
        warmUp();
        List<Row> rows = new ArrayList<>();
        rows.add(run("ScaiVault: dynamic lease + binding", "dynamic", this::oursDynamic, notes()));
        rows.add(run(
                "Spring Vault SecretLeaseContainer + #557 listener",
                "dynamic",
                this::springVault,
                notes("Vault emulated by VaultFacade over the testkit's PostgreSQL engine (token auth, database/creds, "
                        + "sys/leases/renew|revoke); min-renewal 1 s, expiry-threshold 2 s")));
        rows.add(run(
                "HikariCP 7 provider + maxLifetime (lease)",
                "dynamic",
                this::lazyDynamic,
                notes(
                        "maxLifetime 30 s (HikariCP's floor) is longer than the 6 s lease: lease expiry, not maxLifetime, "
                                + "retires connections here")));
        rows.add(run("ScaiVault: static secret + binding", "static", this::oursStatic, notes()));
        rows.add(run(
                "Recipe: evict-then-set (MXBean)",
                "static",
                (p, r, pw) -> recipe(p, r, pw, true),
                notes("driven by the ScaiVault static source's change events")));
        rows.add(run(
                "Recipe: set-then-evict (MXBean)",
                "static",
                (p, r, pw) -> recipe(p, r, pw, false),
                notes("driven by the ScaiVault static source's change events")));
        rows.add(run(
                "AWS Secrets Manager JDBC wrapper 2.1.1",
                "static",
                this::awsWrapper,
                notes(
                        "Secrets Manager emulated by SecretsManagerFacade (GetSecretValue, DescribeSecret; AWSCURRENT only, "
                                + "no SigV4 check); maxLifetime 30 s")));
        rows.add(run(
                "HikariCP 7 provider + maxLifetime (static)",
                "static",
                this::lazyStatic,
                notes("provider returns the ScaiVault static source's current value; maxLifetime 30 s")));
        return rows;
    }

    private static List<String> notes(String... notes) {
        return List.of(notes);
    }

    Row run(String name, String kind, SetupFactory factory, List<String> notes) throws Exception {
        boolean isStatic = kind.equals("static");
        String role = null;
        String password = null;
        if (isStatic) {
            role = "peer_static_" + (++roleSeq);
            password = newPassword();
            sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
        }
        int threadsBefore = threads();
        long started = System.nanoTime();
        Probe probe = new Probe(pg.adminDataSource());
        if (isStatic) {
            probe.rotated(role, dbNow());
        }
        int peakThreads = 0;
        int oldLeft = 0;
        Load load = null;
        long requestsBefore;
        long requestsAfter;
        try (Setup setup = factory.start(probe, role, password)) {
            requestsBefore = 0;
            load = new Load(setup.pool(), THREADS);
            load.start();
            if (!isStatic) {
                // The first lease arrives at the first getConnection() (lazy) or at start.
                long deadline = System.nanoTime()
                        + LEASE_TTL.multipliedBy(rotations * 3L + 4).toNanos();
                peakThreads = waitFor(() -> probe.rotations().size() >= rotations, deadline, peakThreads);
            } else {
                Deque<Timestamp> sinces = new ArrayDeque<>();
                sinces.add(new Timestamp(0));
                for (int i = 0; i < rotations; i++) {
                    peakThreads = waitFor(() -> false, System.nanoTime() + STATIC_INTERVAL.toNanos(), peakThreads);
                    Timestamp previous = probe.rotations().isEmpty()
                            ? sinces.peekLast()
                            : probe.rotations().get(probe.rotations().size() - 1).since;
                    if (i > 0) {
                        oldLeft += probe.sessionsStartedBefore(role, previous);
                    }
                    String next = newPassword();
                    sql("ALTER ROLE " + role + " PASSWORD '" + next + "'");
                    probe.rotated(role, dbNow());
                    setup.publish(role, next);
                }
            }
            // Settle: until every rotation is cleared, at most maxLifetime's floor and a little (the lazy ones).
            peakThreads = waitFor(() -> false, System.nanoTime() + MIN_SETTLE.toNanos(), peakThreads);
            peakThreads = waitFor(probe::allCleared, System.nanoTime() + settle.toNanos(), peakThreads);
            load.stop();
            requestsAfter = setup.requests();
        } finally {
            if (load != null) {
                load.stop();
            }
            probe.close();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        List<Probe.Rotation> rs = probe.rotations();
        long[] windowStarts = rs.stream().mapToLong(r -> r.atNanos).toArray();
        long[] steady = load.durations(windowStarts, WINDOW.toNanos(), false);
        long[] window = load.durations(windowStarts, WINDOW.toNanos(), true);
        List<Double> clear = new ArrayList<>();
        int notCleared = 0;
        for (Probe.Rotation r : rs) {
            if (r.clearNanos >= 0) {
                clear.add((r.clearNanos - r.atNanos) / 1e6);
            } else {
                notCleared++;
            }
        }
        double[] c = clear.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int oldAtInvalidation = isStatic
                ? oldLeft
                : probe.dynamicInvalidations().stream()
                        .mapToInt(Integer::intValue)
                        .sum();
        long requests = requestsAfter - requestsBefore;
        List<String> allNotes = new ArrayList<>(notes);
        if (probe.lastError() != null) {
            allNotes.add("probe error: " + probe.lastError());
        }
        Row row = new Row(
                name,
                kind,
                rs.size(),
                load.ok(),
                load.failed(),
                load.failures(),
                Load.percentileMs(steady, 0.50),
                Load.percentileMs(steady, 0.99),
                Load.percentileMs(steady, 1.0),
                Load.percentileMs(window, 0.50),
                Load.percentileMs(window, 0.99),
                Load.percentileMs(window, 1.0),
                c.length == 0 ? Double.NaN : c[c.length / 2],
                c.length == 0 ? Double.NaN : c[c.length - 1],
                notCleared,
                oldAtInvalidation,
                requests * 3600.0 / seconds,
                requests,
                seconds,
                Math.max(0, peakThreads - threadsBefore - THREADS - 1),
                allNotes);
        System.err.println("peers: " + row);
        return row;
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Waits until the condition holds or the deadline passes, sampling the JVM's thread count. */
    private static int waitFor(BooleanSupplier until, long deadlineNanos, int peak) throws InterruptedException {
        while (!until.getAsBoolean() && System.nanoTime() < deadlineNanos) {
            peak = Math.max(peak, threads());
            Thread.sleep(20);
        }
        return Math.max(peak, threads());
    }

    private void warmUp() throws Exception {
        String role = "peer_warm_up";
        String pw = newPassword();
        sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + pw + "'");
        try (HikariDataSource ds = pool("warm-up")) {
            ds.setUsername(role);
            ds.setPassword(pw);
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 200; i++) {
                    try (Connection c = ds.getConnection();
                            Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT 1")) {
                        rs.next();
                    }
                }
                ds.getHikariPoolMXBean().softEvictConnections();
            }
        }
    }

    private static String newPassword() {
        return "pw-" + UUID.randomUUID();
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private Timestamp dbNow() throws SQLException {
        try (Connection c = pg.admin();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    @Override
    public void close() {
        server.close();
        pg.close();
    }

    // ---------------------------------------------------------------- the report

    static Map<String, Object> report(List<Row> rows, int rotations, String label, Machine machine) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", label);
        m.put("machine", machine.facts());
        m.put(
                "versions",
                Map.of(
                        "HikariCP", "7.1.0",
                        "spring-vault-core", "4.1.0",
                        "aws-secretsmanager-jdbc", "2.1.1"));
        m.put(
                "load",
                Map.of(
                        "queryThreads",
                        THREADS,
                        "poolSize",
                        POOL_SIZE,
                        "rotationsPerApproach",
                        rotations,
                        "leaseTtlSeconds",
                        LEASE_TTL.toSeconds(),
                        "staticRotationIntervalSeconds",
                        STATIC_INTERVAL.toSeconds(),
                        "rotationWindowSeconds",
                        WINDOW.toSeconds()));
        List<Map<String, Object>> list = new ArrayList<>();
        rows.forEach(r -> list.add(r.json()));
        m.put("approaches", list);
        return m;
    }

    /**
     * {@code --out docs/peers/quiet.json [--label quiet] [--rotations 10]}: runs every approach and writes the
     * JSON report and, beside it, the markdown table ({@code .md}).
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        Path out = Path.of(a.getOrDefault("--out", "docs/peers/run.json"));
        int rotations = Integer.parseInt(a.getOrDefault("--rotations", "10"));
        String label = a.getOrDefault("--label", out.getFileName().toString().replace(".json", ""));
        Machine machine = new Machine();
        List<Row> rows;
        try (Peers peers = new Peers(rotations, FULL_SETTLE)) {
            rows = peers.runAll();
        }
        machine.finished();
        Map<String, Object> report = report(rows, rotations, label, machine);
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        Files.writeString(out.resolveSibling(out.getFileName().toString().replace(".json", ".md")), Table.of(report));
        System.out.println(Table.of(report));
    }
}
