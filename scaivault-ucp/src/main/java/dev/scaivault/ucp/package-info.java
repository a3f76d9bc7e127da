/**
 * Live credential rotation for an Oracle Universal Connection Pool ({@code oracle.ucp.jdbc.PoolDataSource}): add
 * this module and bind the pool with {@link dev.scaivault.pool.PoolBinding#bind PoolBinding.bind(poolDataSource,
 * source)}. The binding finds the adapter here through {@link UcpAdapterProvider}. {@link UcpLogins} is public
 * only because UCP instantiates its connection factory by class name.
 */
package dev.scaivault.ucp;
