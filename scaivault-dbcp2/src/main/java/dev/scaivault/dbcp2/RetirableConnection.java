package dev.scaivault.dbcp2;

import java.sql.Connection;
import java.util.function.LongSupplier;
import org.apache.commons.dbcp2.DelegatingConnection;

/**
 * A physical connection that knows whether it was opened before the last retirement. DBCP2 calls {@link
 * #activate()} on it each time the pool lends it (through {@code PoolableConnection.activate()}); a retired
 * one refuses, and the pool then destroys it and lends another, without logging and without the borrower
 * noticing. Its first loan is never refused: the pool would report a freshly created connection that fails
 * to activate as an error to the borrower, and a connection retired during its own login is closed at its
 * next loan or by the next clear of the idle connections.
 */
final class RetirableConnection extends DelegatingConnection<Connection> {
    private final long ticket;
    private final LongSupplier retiredBelow;
    // Written by each borrower in turn; the pool's idle deque orders one loan after the other.
    private boolean lent;

    RetirableConnection(Connection physical, long ticket, LongSupplier retiredBelow) {
        super(physical);
        this.ticket = ticket;
        this.retiredBelow = retiredBelow;
    }

    @Override
    protected void activate() {
        if (lent && ticket < retiredBelow.getAsLong()) {
            throw new IllegalStateException("connection opened before the credentials were rotated: not lent again");
        }
        lent = true;
        super.activate();
    }
}
