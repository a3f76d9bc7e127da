package dev.scaivault.examples.quickstart;

import dev.scaivault.Auth;
import dev.scaivault.CachedSecret;
import dev.scaivault.ScaiVault;
import dev.scaivault.Secret;
import dev.scaivault.testkit.ScaiVaultDevServer;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * Starts the testkit's dev server on loopback, seeds a secret, and reads it through the client: first
 * uncached, then through the cache. Prints versions and key names, never values. Then measures the time from
 * building a client to its first read (median of 20) and the cost of a cached read.
 */
public final class Quickstart {
    static final String PATH = "environments/production/billing/database";

    private Quickstart() {}

    public static void main(String[] args) {
        run(System.out);
    }

    static void run(PrintStream out) {
        String token = "skt_quickstart_" + Long.toHexString(System.nanoTime());
        try (ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                .staticToken(token, "idn_quickstart")
                .start()) {
            server.putSecret(PATH, Map.of("username", "billing", "password", "p-" + System.nanoTime()));
            out.println("dev server: " + server.baseUrl());

            try (ScaiVault vault = ScaiVault.builder()
                    .url(server.baseUrl())
                    .auth(Auth.token(token))
                    .build()) {
                Secret s = vault.secrets().read(PATH);
                out.println("read " + s.path() + ": version " + s.version() + ", type " + s.type() + ", keys "
                        + new TreeSet<>(s.data().keySet()));
                server.rotateSecret(PATH, Map.of("username", "billing", "password", "p-" + System.nanoTime()));
                out.println(
                        "after rotation: version " + vault.secrets().read(PATH).version()
                                + " (version 1 stays readable for the grace period: "
                                + vault.secrets().read(PATH, 1).version() + ")");
                CachedSecret c = vault.cache().entry(PATH);
                out.println("cached: version " + c.secret().version() + ", fetched at " + c.fetchedAt() + ", stale "
                        + c.stale());
                out.println("whoami: " + vault.whoami().identityId());
            }

            long[] firstRead = new long[20];
            for (int i = 0; i < firstRead.length; i++) {
                long t0 = System.nanoTime();
                try (ScaiVault vault = ScaiVault.builder()
                        .url(server.baseUrl())
                        .auth(Auth.token(token))
                        .build()) {
                    vault.secrets().read(PATH);
                    firstRead[i] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(firstRead);
            out.printf(
                    "build -> first read: median %.2f ms over 20 (min %.2f, max %.2f)%n",
                    firstRead[10] / 1e6, firstRead[0] / 1e6, firstRead[19] / 1e6);

            try (ScaiVault vault = ScaiVault.builder()
                    .url(server.baseUrl())
                    .auth(Auth.token(token))
                    .build()) {
                vault.cache().get(PATH);
                long sink = 0;
                for (int i = 0; i < 2_000_000; i++) {
                    sink += vault.cache().get(PATH).version();
                }
                int n = 5_000_000;
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    sink += vault.cache().get(PATH).version();
                }
                long ns = System.nanoTime() - t0;
                out.printf(
                        "cached read: %.1f ns each (loop of %d after warm-up; see the JMH benchmark for a"
                                + " careful figure) [%d]%n",
                        (double) ns / n, n, sink % 10);
            }
        }
    }
}
