package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.scaivault.testkit.pg.TestPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code java -jar scaivault-testkit-<version>-server.jar [options]}, and {@code ... admin <command>} for the
 * control plane of a running one ({@link AdminCli}). {@link #USAGE} lists every option; docs/testkit.md
 * shows it and the seed format.
 */
final class Standalone {
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};
    static final String JAR = "scaivault-testkit-<version>-server.jar";
    static final String SYNOPSIS = "usage: java -jar " + JAR + " [options]   or   ... admin <command> [...]";

    /** What the command line sets; defaults as documented in {@link #OPTIONS}. */
    static final class Settings {
        int port = 8200;
        String bind = "127.0.0.1";
        String token;
        Duration tokenLifetime = Duration.ofHours(1);
        String engine = "postgres";
        String role = "app";
        Duration leaseTtl = Duration.ofHours(1);
        Duration maxTtl = Duration.ofHours(24);
        String ownerRole;
        boolean postgres;
        int postgresPort;
        Path postgresData;
        String postgresUrl;
        String postgresUser;
        String adminToken;
        boolean adminFromAnywhere;
        Path seed;
        boolean help;
        final Set<String> given = new HashSet<>();
    }

    /** One command-line option; {@code value} is {@code null} for a switch. */
    private record Option(String name, String value, String help, String byDefault, BiConsumer<Settings, String> set) {}

    private static final List<Option> OPTIONS = List.of(
            new Option(
                    "--port",
                    "N",
                    "Port of the ScaiVault API and the control plane; 0 picks a free one.",
                    "8200",
                    (s, v) -> s.port = port(v, "--port")),
            new Option(
                    "--bind",
                    "ADDRESS",
                    "Address to listen on. Plain HTTP and dev-only secrets: keep it on loopback.",
                    "127.0.0.1",
                    (s, v) -> s.bind = v),
            new Option(
                    "--token",
                    "TOKEN",
                    "The static bearer token your application uses; fix it so its configuration survives restarts.",
                    "skt_dev_<random>, new at every start",
                    (s, v) -> s.token = nonBlank(v, "--token")),
            new Option(
                    "--token-lifetime",
                    "DURATION",
                    "expires_in of the tokens issued by the workload identity exchange and client credentials.",
                    "1h",
                    (s, v) -> s.tokenLifetime = Durations.parseOption(v, "--token-lifetime")),
            new Option(
                    "--engine",
                    "NAME",
                    "Name of the dynamic secrets engine (POST /v1/dynamic/engines/NAME/creds/ROLE).",
                    "postgres",
                    (s, v) -> s.engine = name(v, "--engine")),
            new Option("--role", "NAME", "Name of the dynamic role.", "app", (s, v) -> s.role = name(v, "--role")),
            new Option(
                    "--lease-ttl",
                    "DURATION",
                    "Life of a new lease, and of each renewal. Short (20s) to watch rotations happen.",
                    "1h",
                    (s, v) -> s.leaseTtl = Durations.parseOption(v, "--lease-ttl")),
            new Option(
                    "--max-ttl",
                    "DURATION",
                    "No lease lives longer; then the client moves to a new lease (a new database role).",
                    "24h",
                    (s, v) -> s.maxTtl = Durations.parseOption(v, "--max-ttl")),
            new Option(
                    "--owner-role",
                    "NAME",
                    "Long-lived role that owns the application's tables: leased roles are its members and act"
                            + " as it (SET ROLE at login), so a schema created under one lease works under the next.",
                    "<role>_owner",
                    (s, v) -> s.ownerRole = v),
            new Option(
                    "--postgres",
                    null,
                    "Start an embedded PostgreSQL; the dynamic engine creates a real role in it per lease.",
                    "off",
                    (s, v) -> s.postgres = true),
            new Option(
                    "--postgres-port",
                    "N",
                    "Port of the embedded PostgreSQL, so the JDBC URL stays the same. Implies --postgres.",
                    "a free port",
                    (s, v) -> {
                        s.postgresPort = port(v, "--postgres-port");
                        s.postgres = true;
                    }),
            new Option(
                    "--postgres-data",
                    "DIR",
                    "Keep the embedded database in DIR (created if needed) across restarts. Implies --postgres.",
                    "a temporary directory, deleted at stop",
                    (s, v) -> {
                        s.postgresData = Path.of(v);
                        s.postgres = true;
                    }),
            new Option(
                    "--postgres-url",
                    "JDBC_URL",
                    "Manage roles in an existing PostgreSQL instead (jdbc:postgresql://host:port/db); the admin"
                            + " password comes from PGPASSWORD or the URL's password parameter.",
                    "none",
                    (s, v) -> s.postgresUrl = v),
            new Option(
                    "--postgres-user",
                    "NAME",
                    "Admin user for --postgres-url: a superuser, or a role with CREATEROLE.",
                    "the URL's user parameter, else postgres",
                    (s, v) -> s.postgresUser = nonBlank(v, "--postgres-user")),
            new Option(
                    "--admin-token",
                    "TOKEN",
                    "Bearer token of the control plane (/_devserver/..., and the admin command).",
                    "sktadm_dev_<random>, new at every start",
                    (s, v) -> s.adminToken = nonBlank(v, "--admin-token")),
            new Option(
                    "--admin-from-anywhere",
                    null,
                    "Let clients that are not on loopback use the control plane.",
                    "loopback clients only",
                    (s, v) -> s.adminFromAnywhere = true),
            new Option(
                    "--seed",
                    "FILE",
                    "JSON with more tokens, ScaiKey clients, secrets, engines and roles (docs/testkit.md).",
                    "none",
                    (s, v) -> s.seed = Path.of(v)));

    /** The {@code --help} text; docs/testkit.md quotes it verbatim (a test checks). */
    static final String USAGE = usage();

    private Standalone() {}

    private static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("Usage: java -jar ").append(JAR).append(" [options]\n");
        b.append("       java -jar ").append(JAR).append(" admin <command> [...]   (admin --help)\n");
        b.append('\n');
        b.append(
                "A ScaiVault dev server, used like `vault server -dev`: the ScaiVault API over plain HTTP, state in\n");
        b.append(
                "memory, dynamic PostgreSQL roles, a control plane for rehearsals. Dev only: no TLS, no real secrets.\n");
        b.append('\n');
        b.append("Options (DURATION: 90, 90s, 15m, 1h30m, 2d or ISO-8601 such as PT1H):\n");
        b.append(String.format(Locale.ROOT, "  %-26s %s%n", "-h, --help", "Show this help and exit."));
        for (Option o : OPTIONS) {
            String left = o.value == null ? o.name : o.name + ' ' + o.value;
            for (String line : wrap(o.help, 76)) {
                b.append(String.format(Locale.ROOT, "  %-26s %s%n", left, line));
                left = "";
            }
            b.append(String.format(Locale.ROOT, "  %-26s Default: %s.%n", "", o.byDefault));
        }
        return b.toString().replace("\r\n", "\n");
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("admin")) {
            System.exit(AdminCli.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        Settings settings;
        try {
            settings = parse(args);
        } catch (IllegalArgumentException e) {
            System.exit(usageError(e.getMessage(), System.err));
            return;
        }
        if (settings.help) {
            System.out.print(USAGE);
            System.out.flush();
            return;
        }
        quietLogging();
        List<AutoCloseable> running = new ArrayList<>();
        try {
            running.add(start(settings, System.out, running));
        } catch (IllegalArgumentException e) {
            System.exit(usageError(e.getMessage(), System.err));
            return;
        } catch (RuntimeException e) {
            System.err.println("scaivault dev server: cannot start: " + messages(e));
            System.exit(1);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            closeAll(running);
                            done.countDown();
                        },
                        "scaivault-devserver-shutdown-1"));
        done.await();
    }

    /** One clear line, the synopsis, and exit status 2. */
    static int usageError(String message, PrintStream err) {
        err.println("scaivault dev server: " + message);
        err.println(SYNOPSIS);
        err.println("(--help lists every option)");
        err.flush();
        return 2;
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !b.toString().contains(c.getMessage())) {
                b.append(": ").append(c.getMessage());
            }
        }
        return b.toString();
    }

    /** The server first (it revokes leases, dropping their roles), then the database. */
    private static void closeAll(List<AutoCloseable> running) {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                System.err.println("scaivault dev server: closing: " + e);
            }
        }
        running.clear();
    }

    /** Standalone, logback is the binding (shaded in) with no configuration, which would mean DEBUG. */
    private static void quietLogging() {
        try {
            if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
                ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.WARN);
            }
        } catch (LinkageError e) {
            // Another binding, or none: leave it alone.
        }
    }

    /**
     * Parses the command line.
     *
     * @throws IllegalArgumentException naming the bad option and value
     */
    static Settings parse(String[] args) {
        Settings s = new Settings();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                s.help = true;
                continue;
            }
            String name = a;
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                inline = a.substring(eq + 1);
            }
            Option o = option(name);
            if (o == null) {
                throw new IllegalArgumentException(
                        a.startsWith("-") ? "unknown option " + name : "unexpected argument '" + a + "'");
            }
            String value = null;
            if (o.value != null) {
                if (inline != null) {
                    value = inline;
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("option " + name + " needs a value (" + o.value + ")");
                }
            } else if (inline != null) {
                throw new IllegalArgumentException("option " + name + " takes no value, got '" + inline + "'");
            }
            o.set.accept(s, value);
            s.given.add(o.name);
        }
        check(s);
        return s;
    }

    private static Option option(String name) {
        for (Option o : OPTIONS) {
            if (o.name.equals(name)) {
                return o;
            }
        }
        return null;
    }

    private static void check(Settings s) {
        if (s.postgresUrl != null) {
            for (String embedded : List.of("--postgres", "--postgres-port", "--postgres-data")) {
                if (s.given.contains(embedded)) {
                    throw new IllegalArgumentException(
                            embedded + " and --postgres-url: use the embedded PostgreSQL or an existing one, not both");
                }
            }
            try {
                PostgresEngine.databaseOf(s.postgresUrl);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--postgres-url: " + e.getMessage());
            }
        } else if (s.postgresUser != null) {
            throw new IllegalArgumentException("--postgres-user goes with --postgres-url");
        }
        if (s.leaseTtl.compareTo(s.maxTtl) > 0) {
            throw new IllegalArgumentException(
                    "--lease-ttl " + s.leaseTtl + " is longer than --max-ttl " + s.maxTtl + " (the default is 24h)");
        }
        if (s.ownerRole != null) {
            try {
                RoleConfig.builder().owner(s.ownerRole);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--owner-role: " + e.getMessage());
            }
        }
    }

    private static int port(String v, String option) {
        try {
            int p = Integer.parseInt(v.trim());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(option + " needs a port number 0..65535, got '" + v + "'");
    }

    private static String nonBlank(String v, String option) {
        if (v.isBlank()) {
            throw new IllegalArgumentException(option + " must not be empty");
        }
        return v;
    }

    private static String name(String v, String option) {
        if (v.isBlank() || v.contains("/")) {
            throw new IllegalArgumentException(option + " needs a name without '/', got '" + v + "'");
        }
        return v;
    }

    static ScaiVaultDevServer start(String[] args, PrintStream out) {
        return start(args, out, new ArrayList<>());
    }

    /** Parses the arguments, starts the server and prints what an application's configuration needs. */
    static ScaiVaultDevServer start(String[] args, PrintStream out, List<AutoCloseable> started) {
        return start(parse(args), out, started);
    }

    /**
     * Starts what {@code s} describes; adds the embedded database, if any, to {@code started} (the caller
     * closes it after the server). Whatever was started is closed again when starting fails.
     */
    static ScaiVaultDevServer start(Settings s, PrintStream out, List<AutoCloseable> started) {
        int before = started.size();
        try {
            return startOrThrow(s, out, started);
        } catch (RuntimeException e) {
            List<AutoCloseable> mine = new ArrayList<>(started.subList(before, started.size()));
            started.subList(before, started.size()).clear();
            closeAll(mine);
            throw e;
        }
    }

    private static ScaiVaultDevServer startOrThrow(Settings s, PrintStream out, List<AutoCloseable> started) {
        // Nobody reads the request log of a standalone server; keep a little for a debugger.
        ScaiVaultDevServer.Builder b =
                ScaiVaultDevServer.builder().port(s.port).requestLogLimit(1000).issuedTokenLifetime(s.tokenLifetime);
        try {
            b.bindAddress(InetAddress.getByName(s.bind));
        } catch (IOException e) {
            throw new IllegalArgumentException("--bind " + s.bind + " is not an address of this machine");
        }
        JsonNode root = s.seed == null ? Json.obj() : readSeed(s.seed);
        String where = s.seed == null ? "" : " in " + s.seed;
        String printedToken = s.token;
        if (s.token != null) {
            b.staticToken(s.token, "idn_dev");
        }
        for (JsonNode t : root.path("tokens")) {
            String token = required(t, "token", "tokens[]" + where);
            b.staticToken(token, t.path("identity_id").asText("idn_dev"));
            if (printedToken == null) {
                printedToken = token;
            }
        }
        if (printedToken == null) {
            printedToken = "skt_dev_" + Ids.alnum(32);
            b.staticToken(printedToken, "idn_dev");
        }
        String adminToken = s.adminToken != null ? s.adminToken : "sktadm_dev_" + Ids.alnum(32);
        b.controlPlane(adminToken, s.adminFromAnywhere);
        for (JsonNode c : root.path("clients")) {
            b.clientCredentials(
                    required(c, "client_id", "clients[]" + where), required(c, "client_secret", "clients[]" + where));
        }
        if (root.hasNonNull("subject_token_audience")) {
            b.subjectTokenAudience(root.get("subject_token_audience").asText());
        }
        if (root.hasNonNull("issued_token_lifetime_seconds")) {
            if (s.given.contains("--token-lifetime")) {
                throw new IllegalArgumentException(
                        "--token-lifetime and issued_token_lifetime_seconds" + where + ": set it in one place");
            }
            b.issuedTokenLifetime(
                    Duration.ofSeconds(root.get("issued_token_lifetime_seconds").asLong()));
        }
        if (root.hasNonNull("rate_limits_enabled")) {
            b.rateLimitsEnabled(root.get("rate_limits_enabled").asBoolean());
        }
        for (Map.Entry<String, JsonNode> e : root.path("rate_limits").properties()) {
            RateCategory c;
            try {
                c = RateCategory.valueOf(e.getKey().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("rate_limits" + where + ": unknown category " + e.getKey());
            }
            b.rateLimit(c, e.getValue().asInt());
        }

        List<JsonNode> engines = new ArrayList<>();
        root.path("engines").forEach(engines::add);
        if (!engines.isEmpty()) {
            for (String flag : List.of("--engine", "--role", "--lease-ttl", "--max-ttl", "--owner-role")) {
                if (s.given.contains(flag)) {
                    throw new IllegalArgumentException(
                            flag + ": the seed" + where + " defines the engines; set the role there");
                }
            }
        }

        Database db = database(s, started);
        List<String> roleLines = new ArrayList<>();
        if (engines.isEmpty()) {
            String owner = s.ownerRole != null ? s.ownerRole : ownerFor(s.role);
            RoleConfig config = RoleConfig.builder()
                    .defaultTtl(s.leaseTtl)
                    .maxTtl(s.maxTtl)
                    .owner(owner)
                    .build();
            addEngine(b, s.engine, db);
            b.dynamicRole(s.engine, s.role, config);
            roleLines.add(describe(s.engine, s.role, config, db));
        }
        for (JsonNode e : engines) {
            String engine = required(e, "engine", "engines[]" + where);
            addEngine(b, engine, db);
            for (JsonNode r : e.path("roles")) {
                String role = required(r, "role", "engines[].roles[]" + where);
                RoleConfig config = seedRole(r, "engines[].roles[] " + role + where);
                b.dynamicRole(engine, role, config);
                roleLines.add(describe(engine, role, config, db));
            }
        }
        List<JsonNode> secrets = new ArrayList<>();
        root.path("secrets").forEach(secrets::add);
        ScaiVaultDevServer server = b.start();
        try {
            for (JsonNode sec : secrets) {
                String path = required(sec, "path", "secrets[]" + where);
                JsonNode data = sec.get("data");
                if (data == null || !data.isObject()) {
                    throw new IllegalArgumentException("secrets[] " + path + where + ": data must be a JSON object");
                }
                server.putSecret(
                        path,
                        sec.hasNonNull("secret_type") ? sec.get("secret_type").asText() : null,
                        Json.MAPPER.convertValue(data, MAP),
                        sec.get("metadata") instanceof ObjectNode m ? Json.MAPPER.convertValue(m, MAP) : null);
            }
        } catch (IllegalArgumentException e) {
            server.close();
            throw new IllegalArgumentException("secrets" + where + ": " + e.getMessage());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        printBanner(out, server, printedToken, adminToken, s, roleLines, db, engines.isEmpty());
        return server;
    }

    /** The database the dynamic engines manage roles in; {@code null} fields without one (in-memory engines). */
    private record Database(DataSource admin, String jdbcUrl, String appUrl, String note) {}

    private static Database database(Settings s, List<AutoCloseable> started) {
        if (s.postgresUrl != null) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(s.postgresUrl);
            if (s.postgresUser != null) {
                ds.setUser(s.postgresUser);
            } else if (ds.getUser() == null) {
                ds.setUser("postgres");
            }
            String password = System.getenv("PGPASSWORD");
            if (ds.getPassword() == null && password != null) {
                ds.setPassword(password);
            }
            String appUrl = withoutCredentials(s.postgresUrl);
            try (Connection c = ds.getConnection()) {
                c.isValid(5);
            } catch (SQLException e) {
                // The server's message names the user and database, never the password.
                throw new IllegalStateException("cannot connect to --postgres-url " + appUrl + " as " + ds.getUser()
                        + " (SQLSTATE " + e.getSQLState() + "): " + e.getMessage());
            }
            return new Database(ds, s.postgresUrl, appUrl, "existing database, admin user " + ds.getUser());
        }
        if (!s.postgres) {
            return null;
        }
        TestPostgres.Builder pb = TestPostgres.builder().port(s.postgresPort).stopOnJvmExit(false);
        if (s.postgresData != null) {
            try {
                Files.createDirectories(s.postgresData);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "--postgres-data " + s.postgresData + ": cannot create the directory: " + e.getMessage());
            }
            pb.dataDirectory(s.postgresData);
        }
        TestPostgres pg = pb.start();
        started.add(pg);
        String note = s.postgresData == null
                ? "embedded, data deleted at stop"
                : "embedded, data kept in " + pg.dataDirectory().orElseThrow();
        return new Database(pg.adminDataSource(), pg.jdbcUrl(), pg.jdbcUrl(), note);
    }

    /** The URL an application uses: the admin's {@code user} and {@code password} parameters removed. */
    static String withoutCredentials(String jdbcUrl) {
        int q = jdbcUrl.indexOf('?');
        if (q < 0) {
            return jdbcUrl;
        }
        List<String> kept = new ArrayList<>();
        for (String p : jdbcUrl.substring(q + 1).split("&")) {
            String key = p.contains("=") ? p.substring(0, p.indexOf('=')) : p;
            if (!key.equalsIgnoreCase("user") && !key.equalsIgnoreCase("password") && !p.isEmpty()) {
                kept.add(p);
            }
        }
        return jdbcUrl.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }

    private static void addEngine(ScaiVaultDevServer.Builder b, String engine, Database db) {
        if (db != null) {
            b.postgresEngine(engine, db.admin, db.jdbcUrl);
        } else {
            b.inMemoryEngine(engine);
        }
    }

    /** {@code app} owns through {@code app_owner}; a role name that is no plain identifier is made one. */
    static String ownerFor(String role) {
        String clean = role.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (!Character.isLetter(clean.charAt(0)) && clean.charAt(0) != '_') {
            clean = '_' + clean;
        }
        return (clean.length() > 56 ? clean.substring(0, 56) : clean) + "_owner";
    }

    private static String describe(String engine, String role, RoleConfig c, Database db) {
        return engine + '/' + role + " (lease TTL " + human(c.defaultTtl()) + ", max TTL " + human(c.maxTtl())
                + (db == null
                        ? "; in memory: no database, add --postgres"
                        : c.owner().map(o -> "; tables owned by " + o).orElse(""))
                + ')';
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static RoleConfig seedRole(JsonNode r, String where) {
        RoleConfig.Builder rb = RoleConfig.builder()
                .defaultTtl(seedDuration(r, "default_ttl", Duration.ofHours(1), where))
                .maxTtl(seedDuration(r, "max_ttl", Duration.ofHours(24), where));
        if (r.has("renewable")) {
            rb.renewable(r.get("renewable").asBoolean());
        }
        if (r.hasNonNull("owner")) {
            rb.owner(r.get("owner").asText());
        }
        statements(r, "setup_statements", where, rb::setupStatements);
        statements(r, "creation_statements", where, rb::creationStatements);
        statements(r, "grant_statements", where, rb::grants);
        statements(r, "renewal_statements", where, rb::renewalStatements);
        statements(r, "revocation_statements", where, rb::revocationStatements);
        try {
            return rb.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    /** {@code field} as a duration ({@code "30s"} or seconds), or the older {@code field_seconds}. */
    private static Duration seedDuration(JsonNode r, String field, Duration byDefault, String where) {
        JsonNode v = r.hasNonNull(field) ? r.get(field) : r.get(field + "_seconds");
        try {
            Duration d = Durations.parse(v, field);
            return d == null ? byDefault : d;
        } catch (ApiError e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static void statements(JsonNode r, String field, String where, java.util.function.Consumer<String[]> set) {
        JsonNode v = r.get(field);
        if (v == null) {
            return;
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(where + ": " + field + " must be an array of SQL strings");
        }
        List<String> sql = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isTextual()) {
                throw new IllegalArgumentException(where + ": " + field + " must be an array of SQL strings");
            }
            sql.add(x.asText());
        }
        set.accept(sql.toArray(String[]::new));
    }

    private static void printBanner(
            PrintStream out,
            ScaiVaultDevServer server,
            String token,
            String adminToken,
            Settings s,
            List<String> roleLines,
            Database db,
            boolean flagRole) {
        out.println(
                "ScaiVault dev server listening on " + server.baseUrl() + " (dev only: plain HTTP, state in memory)");
        out.println("ScaiKey token URL: " + server.tokenUrl());
        out.println("Static token: " + token);
        roleLines.forEach(l -> out.println("Dynamic role: " + l));
        if (db != null) {
            out.println("PostgreSQL: " + db.appUrl + " (" + db.note + ")");
        }
        out.println("Control plane: " + server.baseUrl() + "/" + ControlPlane.PREFIX + " ("
                + (s.adminFromAnywhere ? "any client" : "loopback clients only") + "; java -jar " + JAR
                + " admin --help)");
        out.println();
        out.println("# Environment: ScaiVault.fromEnvironment(), your JDBC URL, the admin command");
        out.println("export SCAIVAULT_URL=" + server.baseUrl());
        out.println("export SCAIVAULT_TOKEN=" + token);
        if (db != null) {
            out.println("export JDBC_URL=" + db.appUrl);
        }
        out.println("export SCAIVAULT_DEV_ADMIN_TOKEN=" + adminToken);
        out.println();
        out.println("# Spring Boot: application.properties");
        out.println("scaivault.url=" + server.baseUrl());
        out.println("scaivault.token=" + token);
        if (flagRole) {
            out.println("scaivault.datasource.source=dynamic");
            out.println("scaivault.datasource.dynamic.engine=" + s.engine);
            out.println("scaivault.datasource.dynamic.role=" + s.role);
        }
        if (db != null) {
            out.println("spring.datasource.url=" + db.appUrl);
        }
        out.flush();
    }

    private static JsonNode readSeed(Path seed) {
        try {
            JsonNode root = Json.MAPPER.readTree(Files.readString(seed));
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("seed file " + seed + " must hold a JSON object");
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("seed file " + seed + " is not valid JSON (line "
                    + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read seed file " + seed + ": " + e.getMessage());
        }
    }

    private static String required(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException(where + ": " + field + " is required");
        }
        return v.asText();
    }
}
