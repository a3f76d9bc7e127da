package dev.scaivault.dbcp2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.commons.dbcp2.managed.BasicManagedDataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class Dbcp2AdapterProviderTest {
    final Dbcp2AdapterProvider provider = new Dbcp2AdapterProvider();

    @Test
    void supportsABasicDataSourceAndItsSubclassesOnly() {
        assertThat(provider.supports(new BasicDataSource())).isTrue();
        assertThat(provider.supports(new BasicManagedDataSource())).isTrue();
        assertThat(provider.supports(new PGSimpleDataSource())).isFalse();
    }

    @Test
    void refusesAManagedPoolThatLogsInThroughAnXaDataSource() {
        BasicManagedDataSource managed = new BasicManagedDataSource();
        managed.setXADataSource("org.postgresql.xa.PGXADataSource");
        assertThatThrownBy(() -> provider.adapt(managed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("XADataSource");
        assertThat(provider.adapt(new BasicManagedDataSource()).kind()).isEqualTo("dbcp2");
    }

    @Test
    void aPoolConfiguredBySettersHasNotStartedAndOffersNoDrainBound() {
        BasicDataSource ds = new BasicDataSource();
        ds.setMaxConn(Duration.ofMillis(300));
        var adapter = provider.adapt(ds);
        assertThat(adapter.started()).isFalse();
        assertThat(adapter.kind()).isEqualTo("dbcp2");
        assertThat(adapter.borrowed()).isZero();
        assertThat(adapter.maxLifetime())
                .as("maxConn is checked only at borrow and return: no bound on a borrowed connection")
                .isNull();
    }

    @Test
    void retiringAPoolThatHasNotStartedDoesNothing() {
        var adapter = provider.adapt(new BasicDataSource());
        adapter.retire();
        assertThat(adapter.started()).isFalse();
    }
}
