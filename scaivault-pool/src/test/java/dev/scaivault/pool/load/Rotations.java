package dev.scaivault.pool.load;

import dev.scaivault.source.Credentials;
import dev.scaivault.testkit.leak.LeakCheck;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The two rotations every pool's acceptance IT runs, written once: each creates its role in PostgreSQL, holds
 * the source the binding follows, and does one rotation per {@link #rotate} call ({@code load.run(name, ds,
 * rotations::rotate)}). Every password is registered with {@link LeakCheck}.
 */
public abstract class Rotations {
    final PgRoles pg;
    final ManualCredentialSource source;

    private Rotations(PgRoles pg, Credentials first) throws SQLException {
        this.pg = pg;
        pg.createRole(first.username(), first.password());
        this.source = new ManualCredentialSource(first);
    }

    /**
     * The password changes in the database first and reaches the source up to 500 ms later, as a kubelet
     * volume update lags behind the rotation job: a connection opened in between is refused and bridged.
     */
    public static Rotations passwordChangedInTheDatabaseFirst(PgRoles pg, String role) throws SQLException {
        return new Rotations(pg, Credentials.of(role, password(), "test v0")) {
            @Override
            public void rotate(int i) throws Exception {
                String next = password();
                pg.alterPassword(role, next);
                TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(501));
                source.publishNext(Credentials.of(role, next, "test v" + (i + 1)));
            }
        };
    }

    /**
     * A fresh role per rotation, as dynamic leases give; the previous role's sessions are terminated and the role
     * dropped as soon as the binding has handed it off, as a lease revocation does.
     */
    public static Rotations freshRoleDroppedAfterHandOff(PgRoles pg, String prefix) throws SQLException {
        return new Rotations(pg, Credentials.of(prefix + 0, password(), "lease 0")) {
            @Override
            public void rotate(int i) throws Exception {
                String next = prefix + (i + 1);
                String password = password();
                pg.createRole(next, password);
                source.publishNext(Credentials.of(next, password, "lease " + (i + 1)))
                        .get(30, TimeUnit.SECONDS);
                pg.terminateAndDrop(prefix + i);
            }
        };
    }

    private static String password() {
        String p = PgRoles.newPassword();
        LeakCheck.secret(p);
        return p;
    }

    /** The source to bind the pool to. */
    public ManualCredentialSource source() {
        return source;
    }

    /** Rotation number {@code i} (from 0). */
    public abstract void rotate(int i) throws Exception;
}
