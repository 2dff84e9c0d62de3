/*
 * Ethernet through QEMU's OpenCores NIC (`-nic user,model=open_eth`) for the QEMU target of the
 * firmware (project code): esp_netif + esp_eth_mac_new_openeth + a generic PHY + DHCP. It stands
 * where the Wi-Fi station is on a device; `Net` and the SDK's sockets then use it as the default
 * route (interface key "ETH_DEF"). Built only with CONFIG_ETH_USE_OPENETH=y (hosts/qemu/sdkconfig).
 */
#include "xsmc.h"
#include "xsHost.h"
#include "esp_err.h"
#include "esp_event.h"
#include "esp_eth.h"
#include "esp_eth_mac_openeth.h"
#include "esp_log.h"
#include "esp_netif.h"

#if !CONFIG_ETH_USE_OPENETH
	#error "openeth: build with CONFIG_ETH_USE_OPENETH=y (hosts/qemu/sdkconfig)"
#endif

static const char *TAG = "openeth";
static esp_netif_t *gNetif;

static void check(xsMachine *the, esp_err_t err, const char *what)
{
	if (ESP_OK != err)
		xsUnknownError("%s: %s", what, esp_err_to_name(err));
}

/* start(): brings the NIC up once (DHCP runs in the background); later calls do nothing. */
void xs_openeth_start(xsMachine *the)
{
	if (gNetif)
		return;

	esp_err_t err = esp_netif_init();
	if (ESP_ERR_INVALID_STATE != err)
		check(the, err, "esp_netif_init");
	err = esp_event_loop_create_default();
	if (ESP_ERR_INVALID_STATE != err)		// already made by another module
		check(the, err, "esp_event_loop_create_default");

	esp_netif_config_t netif_config = ESP_NETIF_DEFAULT_ETH();
	esp_netif_t *netif = esp_netif_new(&netif_config);
	if (!netif)
		xsUnknownError("esp_netif_new failed");

	eth_mac_config_t mac_config = ETH_MAC_DEFAULT_CONFIG();
	eth_phy_config_t phy_config = ETH_PHY_DEFAULT_CONFIG();
	phy_config.autonego_timeout_ms = 100;	// QEMU's PHY answers at once
	phy_config.reset_gpio_num = -1;
	esp_eth_mac_t *mac = esp_eth_mac_new_openeth(&mac_config);
	esp_eth_phy_t *phy = esp_eth_phy_new_generic(&phy_config);
	if (!mac || !phy)
		xsUnknownError("open_eth: no MAC or PHY");

	esp_eth_config_t config = ETH_DEFAULT_CONFIG(mac, phy);
	esp_eth_handle_t eth = NULL;
	check(the, esp_eth_driver_install(&config, &eth), "esp_eth_driver_install");
	check(the, esp_netif_attach(netif, esp_eth_new_netif_glue(eth)), "esp_netif_attach");
	check(the, esp_eth_start(eth), "esp_eth_start");
	gNetif = netif;
	ESP_LOGI(TAG, "started, DHCP running");
}

/* address(): the IPv4 address DHCP gave, as text, or "" while there is none. */
void xs_openeth_address(xsMachine *the)
{
	esp_netif_ip_info_t info;
	char text[16];

	if (!gNetif || (ESP_OK != esp_netif_get_ip_info(gNetif, &info)) || (0 == info.ip.addr)) {
		xsmcSetString(xsResult, "");
		return;
	}
	esp_ip4addr_ntoa(&info.ip, text, sizeof(text));
	xsmcSetString(xsResult, text);
}
