package dev.scaivault.pool;

import dev.scaivault.source.Credentials;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * For pool adapters: what one pool must say so that {@link PoolBinding} can rotate it. It holds none of
 * the rotation logic (ordering, tracking, drain, hand-off, bridging, metrics); the binding calls it from
 * one thread at a time, except {@link #borrowed()}, which it may call while a rotation runs.
 */
public interface PoolAdapter {

    /** The pool's name, for logs; never a secret. */
    String name();

    /** The kind of pool, lower case ({@code "hikari"}, {@code "tomcat-jdbc"}): names the binding's threads. */
    String kind();

    /** How {@link #setCredentials} reaches the pool, for logs and {@link RotationMetrics#mechanism()}. */
    String mechanism();

    /**
     * Whether the pool already opened connections: then the binding neither installs itself between the pool
     * and the database nor sets the first credentials, and it drains by {@link #borrowed()}.
     */
    boolean started();

    /**
     * A data source that opens physical connections as the pool does, bypassing it, and supports {@code
     * getConnection(username, password)}; {@code null} when the pool's logins cannot be reproduced (JNDI).
     */
    DataSource physical();

    /**
     * Makes the pool open every physical connection through {@code logins} from now on ({@code getConnection()}
     * or {@code getConnection(username, password)}: both log in with the binding's credentials). Called once,
     * before the pool starts, only if {@link #physical()} is not null.
     */
    void install(DataSource logins);

    /** The pool opens new connections with {@code c} from now on; as atomically as the pool allows. */
    void setCredentials(Credentials c);

    /**
     * Connections opened before this call are closed: idle ones now (or at their next borrow), borrowed ones
     * when they are returned. Never called before {@link #setCredentials} for the same rotation.
     */
    void retire();

    /** Connections borrowed right now, or -1 if the pool cannot tell. */
    int borrowed();

    /** The credentials a started pool was configured with, or {@code null}; the binding reports their origin. */
    default Credentials configured() {
        return null;
    }

    /**
     * Whether a retired connection that is returned goes back to the idle connections and is closed only at
     * its next borrow (HikariCP 5): then the binding retires again once a retired connection sits idle.
     */
    default boolean closesRetiredAtNextBorrow() {
        return false;
    }

    /**
     * The pool's own bound on a connection's life, used as the default drain bound, or {@code null} (the core
     * then waits up to 30 minutes). Return it only when the pool enforces it by itself and it cannot be set
     * below what a borrower holds a connection (HikariCP's {@code maxLifetime}, at least 30 s): a bound users
     * may set to milliseconds and the pool checks only at borrow and return (Tomcat's {@code maxAge}) would
     * hand credentials off while borrowed connections still use them.
     */
    default Duration maxLifetime() {
        return null;
    }
}
