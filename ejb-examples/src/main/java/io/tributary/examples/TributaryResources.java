package io.tributary.examples;

import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The resources the examples use: the Tributary connection factory {@link #FACTORY}, and an XA
 * datasource on the same H2 file database the adapter keeps its offsets in (the adapter's default,
 * {@code ./tributary-data/offsets} under the server's working directory), so an order row and the
 * offset of the record it came from commit in one transaction. Creates the tables at start-up.
 *
 * <p>The connection factory is declared in {@code web.xml} rather than with
 * {@code @ConnectionFactoryDefinition}, because it names the adapter differently by packaging:
 * {@code tributary} for a separately deployed {@code tributary.rar}, {@code #tributary} for the
 * {@code tributary.rar} inside the same EAR. The classes are the same in both.
 */
@DataSourceDefinition(name = TributaryResources.DATASOURCE,
        className = "org.h2.jdbcx.JdbcDataSource",
        url = "jdbc:h2:file:./tributary-data/offsets;DB_CLOSE_DELAY=-1",
        user = "", password = "")
@Singleton
@Startup
public class TributaryResources {
    public static final String FACTORY = "java:app/tributary/orders";
    public static final String DATASOURCE = "java:app/jdbc/orders";

    @Resource(lookup = DATASOURCE)
    DataSource dataSource;

    @PostConstruct
    void createTables() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS ORDERS (ID VARCHAR(64) PRIMARY KEY, CUSTOMER VARCHAR(255), "
                    + "AMOUNT_CENTS BIGINT, SOURCE_PARTITION INT, SOURCE_OFFSET BIGINT, "
                    + "STORED_SEQ BIGINT GENERATED ALWAYS AS IDENTITY, STORED_AT TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
            s.execute("CREATE TABLE IF NOT EXISTS ORDER_CONFIRMATIONS (ORDER_ID VARCHAR(64) PRIMARY KEY, CUSTOMER VARCHAR(255), "
                    + "AMOUNT_CENTS BIGINT, SOURCE_PARTITION INT, SOURCE_OFFSET BIGINT)");
            s.execute("CREATE TABLE IF NOT EXISTS ORDER_AUDIT (SOURCE_PARTITION INT, SOURCE_OFFSET BIGINT, ORDER_ID VARCHAR(64), "
                    + "PRIMARY KEY (SOURCE_PARTITION, SOURCE_OFFSET))");
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the example tables: " + e.getMessage(), e);
        }
    }
}
