package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar scaivault-testkit-<version>-server.jar [--port 8200] [--seed seed.json] [--bind 127.0.0.1]
 * [--postgres]}. The seed format is in docs/testkit.md. With {@code --postgres} an embedded PostgreSQL is
 * started too and the dynamic engines create real roles in it, so an application can connect with the
 * credentials it is given.
 */
final class Standalone {
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP =
            new com.fasterxml.jackson.core.type.TypeReference<>() {};

    private Standalone() {}

    static void main(String[] args) throws InterruptedException {
        quietLogging();
        List<AutoCloseable> running = new ArrayList<>();
        try {
            running.add(start(args, System.out, running));
        } catch (IllegalArgumentException e) {
            System.err.println("scaivault dev server: " + e.getMessage());
            System.err.println("usage: ScaiVaultDevServer [--port N] [--seed file.json] [--bind ADDRESS] [--postgres]");
            System.exit(2);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // The server first (it revokes leases, dropping their roles), then the database.
                            for (int i = running.size() - 1; i >= 0; i--) {
                                try {
                                    running.get(i).close();
                                } catch (Exception e) {
                                    System.err.println("scaivault dev server: closing: " + e);
                                }
                            }
                            done.countDown();
                        },
                        "scaivault-devserver-shutdown-1"));
        done.await();
    }

    static ScaiVaultDevServer start(String[] args, PrintStream out) {
        return start(args, out, new ArrayList<>());
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

    /** Parses the arguments, starts the server and prints its URL and a static token to {@code out}. */
    static ScaiVaultDevServer start(String[] args, PrintStream out, List<AutoCloseable> started) {
        int port = 8200;
        Path seed = null;
        String bind = "127.0.0.1";
        boolean postgres = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--postgres")) {
                postgres = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--port":
                    try {
                        port = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port needs a number, got " + v);
                    }
                    break;
                case "--seed":
                    seed = Path.of(v);
                    break;
                case "--bind":
                    bind = v;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        // Nobody reads the request log of a standalone server; keep a little for a debugger.
        ScaiVaultDevServer.Builder b = ScaiVaultDevServer.builder().port(port).requestLogLimit(1000);
        try {
            b.bindAddress(InetAddress.getByName(bind));
        } catch (IOException e) {
            throw new IllegalArgumentException("--bind " + bind + " is not an address of this machine");
        }
        JsonNode root = seed == null ? Json.obj() : readSeed(seed);
        String where = seed == null ? "" : " in " + seed;
        String printedToken = null;
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
        for (JsonNode c : root.path("clients")) {
            b.clientCredentials(
                    required(c, "client_id", "clients[]" + where), required(c, "client_secret", "clients[]" + where));
        }
        if (root.hasNonNull("subject_token_audience")) {
            b.subjectTokenAudience(root.get("subject_token_audience").asText());
        }
        if (root.hasNonNull("issued_token_lifetime_seconds")) {
            b.issuedTokenLifetime(
                    Duration.ofSeconds(root.get("issued_token_lifetime_seconds").asLong()));
        }
        if (root.hasNonNull("rate_limits_enabled")) {
            b.rateLimitsEnabled(root.get("rate_limits_enabled").asBoolean());
        }
        for (Map.Entry<String, JsonNode> e : root.path("rate_limits").properties()) {
            RateCategory c;
            try {
                c = RateCategory.valueOf(e.getKey().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("rate_limits" + where + ": unknown category " + e.getKey());
            }
            b.rateLimit(c, e.getValue().asInt());
        }
        dev.scaivault.testkit.pg.TestPostgres pg = null;
        if (postgres) {
            pg = dev.scaivault.testkit.pg.TestPostgres.start();
            started.add(pg);
        }
        List<JsonNode> engines = new ArrayList<>();
        root.path("engines").forEach(engines::add);
        if (engines.isEmpty() && pg != null) {
            engines.add(Json.MAPPER
                    .createObjectNode()
                    .put("engine", "postgres")
                    .set(
                            "roles",
                            Json.MAPPER
                                    .createArrayNode()
                                    .add(Json.MAPPER.createObjectNode().put("role", "app"))));
        }
        for (JsonNode e : engines) {
            String engine = required(e, "engine", "engines[]" + where);
            if (pg != null) {
                b.postgresEngine(engine, pg.adminDataSource(), pg.jdbcUrl());
            } else {
                b.inMemoryEngine(engine);
            }
            for (JsonNode r : e.path("roles")) {
                RoleConfig config = RoleConfig.of(
                        Duration.ofSeconds(r.path("default_ttl_seconds").asLong(3600)),
                        Duration.ofSeconds(r.path("max_ttl_seconds").asLong(86400)));
                String role = required(r, "role", "engines[].roles[]" + where);
                if (pg != null) {
                    b.postgresRole(engine, role, config);
                } else {
                    b.dynamicRole(engine, role, config);
                }
            }
        }
        List<JsonNode> secrets = new ArrayList<>();
        root.path("secrets").forEach(secrets::add);
        ScaiVaultDevServer server = b.start();
        try {
            for (JsonNode s : secrets) {
                String path = required(s, "path", "secrets[]" + where);
                JsonNode data = s.get("data");
                if (data == null || !data.isObject()) {
                    throw new IllegalArgumentException("secrets[] " + path + where + ": data must be a JSON object");
                }
                server.putSecret(
                        path,
                        s.hasNonNull("secret_type") ? s.get("secret_type").asText() : null,
                        Json.MAPPER.convertValue(data, MAP),
                        s.get("metadata") instanceof ObjectNode m ? Json.MAPPER.convertValue(m, MAP) : null);
            }
        } catch (IllegalArgumentException e) {
            server.close();
            throw new IllegalArgumentException("secrets" + where + ": " + e.getMessage());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        out.println("ScaiVault dev server listening on " + server.baseUrl());
        out.println("ScaiKey token URL: " + server.tokenUrl());
        out.println("Static token: " + printedToken);
        out.println("export SCAIVAULT_URL=" + server.baseUrl() + " SCAIVAULT_TOKEN=" + printedToken);
        if (pg != null) {
            out.println("PostgreSQL: " + pg.jdbcUrl() + " (dynamic engines create their roles here)");
        }
        out.flush();
        return server;
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
