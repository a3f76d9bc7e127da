package dev.scaivault.examples.plainjava;

import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.pg.TestPostgres;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Everything {@link PlainJava} needs on a machine with nothing but a JDK: embedded PostgreSQL with a role
 * {@code demo}, and the testkit's dev server on port 8200 holding that role's credentials at {@code
 * apps/demo/db}. Prints the three environment variables to export, then runs until Ctrl-C. Type {@code r}
 * and Enter to rotate the secret (the database password changes first, as a rotation job does).
 */
public final class DevEnvironment implements AutoCloseable {
    static final String PATH = "apps/demo/db";
    static final String ROLE = "demo";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TestPostgres pg;
    private final ScaiVaultDevServer server;
    private final String token;

    private DevEnvironment(int port) throws SQLException {
        this.pg = TestPostgres.start();
        this.token = "skt_plain_java_" + password();
        String password = password();
        sql("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + password + "'");
        this.server = ScaiVaultDevServer.builder()
                .port(port)
                .staticToken(token, "idn_plain_java")
                .start();
        server.putSecret(PATH, Map.of("username", ROLE, "password", password));
    }

    /** Starts PostgreSQL and the dev server ({@code port} 0: a random one). */
    static DevEnvironment start(int port) throws SQLException {
        return new DevEnvironment(port);
    }

    Map<String, String> environment() {
        return Map.of("SCAIVAULT_URL", server.baseUrl(), "SCAIVAULT_TOKEN", token, "JDBC_URL", pg.jdbcUrl());
    }

    /** A rotation as a ScaiVault rotation policy does it: the new password in the database, then version N+1. */
    long rotate() throws SQLException {
        String password = password();
        sql("ALTER ROLE " + ROLE + " PASSWORD '" + password + "'");
        return server.rotateSecret(PATH, Map.of("username", ROLE, "password", password));
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static String password() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public void close() {
        server.close();
        pg.close();
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8200;
        DevEnvironment env = start(port);
        PrintStream out = System.out;
        out.println("PostgreSQL and the ScaiVault dev server are running. In another terminal:");
        StringBuilder export = new StringBuilder("export");
        env.environment().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> export.append(' ').append(e.getKey()).append('=').append(e.getValue()));
        out.println(export);
        out.println("java -jar examples/plain-java/target/plain-java.jar");
        out.println("Type r and Enter here to rotate " + PATH + "; Ctrl-C to stop.");
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            env.close();
                            done.countDown();
                        },
                        "scaivault-devenv-shutdown-1"));
        var in = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().equals("r")) {
                out.println("rotated " + PATH + " to version " + env.rotate());
            }
        }
        done.await();
    }
}
