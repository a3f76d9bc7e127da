package dev.scaivault.ucp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import oracle.ucp.jdbc.PoolDataSource;
import oracle.ucp.jdbc.PoolDataSourceFactory;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class UcpAdapterProviderTest {
    final UcpAdapterProvider provider = new UcpAdapterProvider();

    @Test
    void supportsAPoolDataSourceOnly() {
        assertThat(provider.supports(PoolDataSourceFactory.getPoolDataSource())).isTrue();
        assertThat(provider.supports(new PGSimpleDataSource())).isFalse();
    }

    @Test
    void aPoolConfiguredBySettersHasNotStartedAndOffersNoDrainBound() throws SQLException {
        PoolDataSource ds = PoolDataSourceFactory.getPoolDataSource();
        ds.setMaxConnectionReuseTime(1);
        var adapter = provider.adapt(ds);
        assertThat(adapter.started()).isFalse();
        assertThat(adapter.kind()).isEqualTo("ucp");
        assertThat(adapter.maxLifetime())
                .as("UCP closes a connection past its reuse time only when it is returned")
                .isNull();
    }

    @Test
    void aPoolAlreadyGivenTheLoginFactoryIsNotAdaptedTwice() throws SQLException {
        PoolDataSource ds = PoolDataSourceFactory.getPoolDataSource();
        ds.setConnectionFactoryClassName(UcpLogins.class.getName());
        assertThatThrownBy(() -> provider.adapt(ds))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already bound");
    }

    @Test
    void aLoginFactoryNoBindingRegisteredSaysSoWithoutOpeningAnything() {
        UcpLogins logins = new UcpLogins();
        logins.setScaivaultLogins("scaivault-unknown");
        assertThatThrownBy(logins::getConnection)
                .isInstanceOf(SQLException.class)
                .hasMessageContaining(UcpLogins.TOKEN_PROPERTY);
    }

    @Test
    void thePhysicalLoginsNeedTheFactoryThePoolNames() {
        var physical = provider.adapt(PoolDataSourceFactory.getPoolDataSource()).physical();
        assertThatThrownBy(physical::getConnection)
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("setConnectionFactoryClassName");
    }
}
