package dev.scaivault.examples.rotationdemo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.scaivault.ScaiVault;
import dev.scaivault.file.FileSource;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import sun.misc.Signal;

/** How credentials reach the service, and what one rotation through that path does. */
abstract class DeliveryPath {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A rotation job changes the database first; the new value reaches the pod up to this much later. */
    static final long MAX_DELIVERY_LAG_MS = 500;

    final String name;

    DeliveryPath(String name) {
        this.name = name;
    }

    /** Sets the path up and returns its source, holding the first credentials. */
    abstract SecretSource<Credentials> open() throws Exception;

    /** One credential change; returns once it has been delivered (the pool may still be rotating). */
    abstract void rotate() throws Exception;

    /** Whether the path changes credentials on its own (a lease keeper) rather than through {@link #rotate}. */
    boolean selfRotating() {
        return false;
    }

    static DeliveryPath create(String name, Path work, DataSource admin, ScaiVault vault, Duration leaseTtl) {
        return switch (name) {
            case "kubelet" -> new Volume(name, work.resolve(name), KubeletVolume.Order.CURRENT, admin);
            case "csi" -> new Volume(name, work.resolve(name), KubeletVolume.Order.LEGACY, admin);
            case "sidecar" -> new Sidecar(work.resolve(name).resolve("db.json"), admin);
            case "dynamic" -> new Dynamic(vault, leaseTtl);
            default -> throw new IllegalArgumentException("unknown path " + name);
        };
    }

    static String newPassword() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A file-delivered secret for a role of its own, whose password the rotation job changes in the DB first. */
    abstract static class FilePath extends DeliveryPath {
        final DataSource admin;
        final String role;

        FilePath(String name, DataSource admin) {
            super(name);
            this.admin = admin;
            this.role = "demo_" + name;
        }

        final void sql(String statement) throws SQLException {
            try (Connection c = admin.getConnection();
                    Statement st = c.createStatement()) {
                st.execute(statement);
            }
        }

        final Map<String, String> payload(String password) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("username", role);
            m.put("password", password);
            return m;
        }

        @Override
        final SecretSource<Credentials> open() throws Exception {
            String password = newPassword();
            sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
            deliver(password);
            return source();
        }

        @Override
        final void rotate() throws Exception {
            String password = newPassword();
            sql("ALTER ROLE " + role + " PASSWORD '" + password + "'");
            TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(MAX_DELIVERY_LAG_MS + 1));
            deliver(password);
        }

        abstract void deliver(String password) throws Exception;

        abstract SecretSource<Credentials> source();
    }

    /** A Secret volume updated by kubelet's atomic writer (CURRENT) or the CSI driver's older one (LEGACY). */
    static final class Volume extends FilePath {
        private final KubeletVolume volume;

        Volume(String name, Path dir, KubeletVolume.Order order, DataSource admin) {
            super(name, admin);
            this.volume = KubeletVolume.at(dir).order(order);
        }

        @Override
        void deliver(String password) {
            volume.writeStrings(payload(password));
        }

        @Override
        SecretSource<Credentials> source() {
            return FileSource.builder(volume.dir()).build().map(Credentials.fromKeys());
        }
    }

    /** A sidecar (Vault Agent, consul-template) renames a new file over the old one, then sends SIGHUP. */
    static final class Sidecar extends FilePath {
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final Signal HUP = new Signal("HUP");
        private final Path file;
        private final RenameOverWriter writer = new RenameOverWriter();

        Sidecar(Path file, DataSource admin) {
            super("sidecar", admin);
            this.file = file;
        }

        @Override
        void deliver(String password) throws Exception {
            java.nio.file.Files.createDirectories(file.getParent());
            writer.write(file, JSON.writeValueAsBytes(payload(password)));
            // SighupReload (installed by the demo) re-reads every file source; without it the JVM would exit.
            Signal.raise(HUP);
        }

        @Override
        SecretSource<Credentials> source() {
            return FileSource.builder(file).build().map(Credentials.fromKeys());
        }
    }

    /** Leases from the dev server's PostgreSQL engine: a new role per lease, dropped after the hand-off. */
    static final class Dynamic extends DeliveryPath {
        static final String ENGINE = "postgres";
        static final String ROLE = "demo";
        private final ScaiVault vault;
        private final Duration ttl;

        Dynamic(ScaiVault vault, Duration ttl) {
            super("dynamic");
            this.vault = vault;
            this.ttl = ttl;
        }

        @Override
        SecretSource<Credentials> open() {
            return LeaseSource.builder(vault, ENGINE, ROLE)
                    .ttl(ttl)
                    .closeTimeout(Duration.ofSeconds(5))
                    .build();
        }

        @Override
        void rotate() {
            throw new UnsupportedOperationException("the lease keeper rotates on its own");
        }

        @Override
        boolean selfRotating() {
            return true;
        }
    }
}
