/* uart16550.c - a National Semiconductor NS16550A UART with FIFOs, as a
 * PC COM port: 'port=' (default 0x3F8) and 'irq=' (default 4).
 *
 * Register bits and the interrupt priorities follow the NS16550A
 * datasheet (PC16550D, National Semiconductor, June 1995): IER, IIR,
 * FCR, LCR, MCR, LSR, MSR, the divisor latch behind LCR.DLAB, loopback.
 *
 * The line is infinitely fast: a byte written to THR goes to the VM's
 * console (or, in loopback, into the receive FIFO) at once, so THR and
 * the transmitter are always empty and the THRE interrupt comes back
 * right after each write.  Received bytes come from the host: the first
 * UART registers as the VM's console input (v3_vm_console_input()), and
 * v3_uart_input() reaches it directly.  Behind the 16-byte FIFO a backlog
 * keeps a pasted burst from overrunning (a real UART would drop it).  The character-timeout
 * interrupt is reported as soon as the FIFO holds fewer bytes than the
 * trigger level (no 4-character wait: the host sends in bursts).
 *
 * As on the PC, the interrupt reaches the PIC only when MCR.OUT2 is set,
 * and not in loopback, where OUT2 is disconnected from the pin.
 */
#include "device.h"
#include "irq.h"
#include "uart16550.h"
#include "vm.h"

#define DEFAULT_PORT 0x3f8
#define DEFAULT_IRQ 4
#define RX_SIZE 256 /* FIFO plus backlog; a power of two */
#define FIFO_DEPTH 16

/* Register offsets. */
#define R_RBR_THR_DLL 0
#define R_IER_DLM 1
#define R_IIR_FCR 2
#define R_LCR 3
#define R_MCR 4
#define R_LSR 5
#define R_MSR 6
#define R_SCR 7

/* IER. */
#define IER_RDA 0x01  /* received data available */
#define IER_THRE 0x02 /* transmitter holding register empty */
#define IER_RLS 0x04  /* receiver line status */
#define IER_MS 0x08   /* modem status */
#define IER_MASK 0x0f
/* IIR: bit 0 clear when an interrupt is pending; 7-6 set with FIFOs. */
#define IIR_NONE 0x01
#define IIR_RLS 0x06
#define IIR_RDA 0x04
#define IIR_CTI 0x0c /* character timeout */
#define IIR_THRE 0x02
#define IIR_MS 0x00
#define IIR_FIFO 0xc0
/* FCR. */
#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_TRIGGER(v) ((v) >> 6)
/* LCR. */
#define LCR_DLAB 0x80
/* MCR. */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f
/* LSR. */
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_ERRORS 0x1e /* OE, PE, FE, BI */
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
/* MSR: deltas in 3-0, lines in 7-4. */
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_DELTAS 0x0f
/* A terminal that is always there: CTS, DSR and DCD asserted. */
#define MSR_IDLE_LINES (MSR_CTS | MSR_DSR | MSR_DCD)

struct uart {
	struct v3_vm *vm;
	void *lock;
	uint16_t port;
	int irq;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t lsr_errors; /* OE (PE, FE, BI never happen) */
	uint8_t msr_delta;
	bool fifo_enabled;
	uint8_t trigger;
	bool thre_pending; /* THRE interrupt not yet acknowledged */
	bool irq_level;
	uint8_t rx[RX_SIZE];
	unsigned rx_head, rx_count;
	uint64_t overruns;
};

static const uint8_t trigger_levels[4] = {1, 4, 8, 14};

/* ---- receive queue ------------------------------------------------------ */

static void rx_clear(struct uart *u)
{
	u->rx_head = u->rx_count = 0;
}

static void rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count == RX_SIZE) {
		u->lsr_errors |= LSR_OE;
		u->overruns++;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % RX_SIZE] = c;
	u->rx_count++;
}

static uint8_t rx_pop(struct uart *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % RX_SIZE;
	u->rx_count--;
	return c;
}

/* ---- interrupts --------------------------------------------------------- */

/* The highest-priority pending source (datasheet table "Interrupt
 * Control Functions"): line status, received data / timeout, THRE,
 * modem status. */
static uint8_t iir_id(const struct uart *u)
{
	if ((u->ier & IER_RLS) && (u->lsr_errors & LSR_ERRORS))
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->rx_count) {
		if (!u->fifo_enabled || u->rx_count >= u->trigger)
			return IIR_RDA;
		return IIR_CTI;
	}
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_MS) && (u->msr_delta & MSR_DELTAS))
		return IIR_MS;
	return IIR_NONE;
}

static void update_irq(struct uart *u)
{
	bool gated = (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
	bool level = gated && iir_id(u) != IIR_NONE;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	v3_irq_set(u->vm, u->irq, level);
}

/* ---- modem lines -------------------------------------------------------- */

/* In loopback the MCR outputs drive the MSR inputs: RTS->CTS, DTR->DSR,
 * OUT1->RI, OUT2->DCD. */
static uint8_t msr_lines(uint8_t mcr)
{
	if (!(mcr & MCR_LOOP))
		return MSR_IDLE_LINES;
	return (mcr & MCR_RTS ? MSR_CTS : 0) | (mcr & MCR_DTR ? MSR_DSR : 0) |
	       (mcr & MCR_OUT1 ? MSR_RI : 0) | (mcr & MCR_OUT2 ? MSR_DCD : 0);
}

static void write_mcr(struct uart *u, uint8_t val)
{
	uint8_t before = msr_lines(u->mcr), after;

	u->mcr = val & MCR_MASK;
	after = msr_lines(u->mcr);
	if ((before ^ after) & MSR_CTS)
		u->msr_delta |= MSR_DCTS;
	if ((before ^ after) & MSR_DSR)
		u->msr_delta |= MSR_DDSR;
	if ((before & MSR_RI) && !(after & MSR_RI)) /* trailing edge */
		u->msr_delta |= MSR_TERI;
	if ((before ^ after) & MSR_DCD)
		u->msr_delta |= MSR_DDCD;
}

/* ---- registers ---------------------------------------------------------- */

static void transmit(struct uart *u, uint8_t c)
{
	/* Writing THR acknowledges THRE; the byte leaves at once and THRE
	 * comes back, so the line sees a fresh edge. */
	u->thre_pending = false;
	update_irq(u);
	if (u->mcr & MCR_LOOP) {
		rx_push(u, c);
	} else {
		char ch = (char)c;

		v3_vm_console_write(u->vm, &ch, 1);
	}
	u->thre_pending = true;
}

static void write_ier(struct uart *u, uint8_t val)
{
	uint8_t old = u->ier;

	u->ier = val & IER_MASK;
	/* Enabling THRE with THR empty raises it at once; Linux's
	 * serial8250 THRE test depends on it. */
	if ((u->ier & IER_THRE) && !(old & IER_THRE))
		u->thre_pending = true;
}

static void write_fcr(struct uart *u, uint8_t val)
{
	bool enable = val & FCR_ENABLE;

	/* Changing FIFO enable resets both FIFOs. */
	if (enable != u->fifo_enabled || (val & FCR_RX_RESET))
		rx_clear(u);
	u->fifo_enabled = enable;
	u->trigger = enable ? trigger_levels[FCR_TRIGGER(val)] : 1;
}

static void uart_write(struct uart *u, unsigned reg, uint8_t val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case R_RBR_THR_DLL:
		if (dlab)
			u->dll = val;
		else
			transmit(u, val);
		break;
	case R_IER_DLM:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case R_IIR_FCR:
		write_fcr(u, val);
		break;
	case R_LCR:
		u->lcr = val;
		break;
	case R_MCR:
		write_mcr(u, val);
		break;
	case R_SCR:
		u->scr = val;
		break;
	default: /* LSR and MSR are read-only (factory test only) */
		break;
	}
}

static uint8_t read_iir(struct uart *u)
{
	uint8_t id = iir_id(u);

	/* Reading IIR while it shows THRE acknowledges THRE. */
	if (id == IIR_THRE)
		u->thre_pending = false;
	return id | (u->fifo_enabled ? IIR_FIFO : 0);
}

static uint8_t read_lsr(struct uart *u)
{
	uint8_t v = (u->rx_count ? LSR_DR : 0) | u->lsr_errors | LSR_THRE |
		    LSR_TEMT;

	u->lsr_errors = 0; /* error bits clear on read */
	return v;
}

static uint8_t read_msr(struct uart *u)
{
	uint8_t v = msr_lines(u->mcr) | u->msr_delta;

	u->msr_delta = 0;
	return v;
}

static uint8_t uart_read(struct uart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case R_RBR_THR_DLL:
		return dlab ? u->dll : rx_pop(u);
	case R_IER_DLM:
		return dlab ? u->dlm : u->ier;
	case R_IIR_FCR:
		return read_iir(u);
	case R_LCR:
		return u->lcr;
	case R_MCR:
		return u->mcr;
	case R_LSR:
		return read_lsr(u);
	case R_MSR:
		return read_msr(u);
	default:
		return u->scr;
	}
}

static int uart_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct uart *u = priv;
	unsigned reg = (unsigned)(acc->addr - u->port);
	unsigned long flags = v3_host->lock_irqsave(u->lock);

	(void)vcpu;
	if (acc->write)
		uart_write(u, reg, (uint8_t)acc->val[0]);
	else
		acc->val[0] = uart_read(u, reg);
	update_irq(u);
	v3_host->unlock_irqrestore(u->lock, flags);
	return 0;
}

/* ---- host input and lifecycle ------------------------------------------ */

static const struct v3_device_type uart16550_device;

static struct uart *first_uart(struct v3_vm *vm)
{
	int i;

	for (i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].type == &uart16550_device)
			return vm->devs[i].priv;
	return NULL;
}

static void uart_receive(struct uart *u, const char *s, size_t n)
{
	unsigned long flags = v3_host->lock_irqsave(u->lock);

	/* In loopback the receiver is cut off from the line. */
	if (!(u->mcr & MCR_LOOP)) {
		size_t i;

		for (i = 0; i < n; i++)
			rx_push(u, (uint8_t)s[i]);
	}
	update_irq(u);
	v3_host->unlock_irqrestore(u->lock, flags);
}

static void uart_console_in(struct v3_vm *vm, void *priv, const char *s,
			    size_t n)
{
	(void)vm;
	uart_receive(priv, s, n);
}

void v3_uart_input(struct v3_vm *vm, const char *s, size_t n)
{
	struct uart *u = first_uart(vm);

	if (u)
		uart_receive(u, s, n);
}

/* Power-on (datasheet "Reset" table): IER, LCR, MCR, FIFOs and errors
 * cleared, IIR 0x01; divisor and scratch keep their values. */
static void uart_power_on(struct uart *u)
{
	u->ier = u->lcr = u->mcr = 0;
	u->lsr_errors = u->msr_delta = 0;
	u->fifo_enabled = false;
	u->trigger = 1;
	u->thre_pending = false;
	rx_clear(u);
}

static void uart_reset(struct v3_vm *vm, void *priv)
{
	struct uart *u = priv;
	unsigned long flags = v3_host->lock_irqsave(u->lock);

	(void)vm;
	uart_power_on(u);
	update_irq(u);
	v3_host->unlock_irqrestore(u->lock, flags);
}

static int uart_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		       void **priv, char *err, size_t errlen)
{
	struct uart *u = v3_vm_zalloc(vm, sizeof(*u));
	uint64_t port, irq;

	*priv = u;
	if (!u)
		return -1;
	if (v3_dev_opt_u64(cfg, "port", DEFAULT_PORT, &port, err, errlen) ||
	    v3_dev_opt_u64(cfg, "irq", DEFAULT_IRQ, &irq, err, errlen))
		return -1;
	if (port > 0xfff8 || irq > 15) {
		v3_snprintf(err, errlen,
			    "line %d: uart16550: port must be <= 0xfff8, irq "
			    "<= 15",
			    cfg->line);
		return -1;
	}
	u->vm = vm;
	u->port = (uint16_t)port;
	u->irq = (int)irq;
	uart_power_on(u);
	u->lock = v3_host->lock_alloc();
	if (!u->lock) {
		v3_snprintf(err, errlen, "line %d: uart16550: out of memory",
			    cfg->line);
		return -1;
	}
	if (v3_hook_add(vm, V3_HOOK_IO, port, port + 7, uart_io, u) != 0) {
		v3_snprintf(err, errlen,
			    "line %d: uart16550: ports 0x%llx-0x%llx are taken",
			    cfg->line, (unsigned long long)port,
			    (unsigned long long)port + 7);
		return -1;
	}
	/* The first UART is the console's input. */
	if (!vm->console_in)
		v3_vm_set_console_input(vm, uart_console_in, u);
	return 0;
}

static void uart_destroy(struct v3_vm *vm, void *priv)
{
	struct uart *u = priv;

	if (vm->console_in_priv == u)
		v3_vm_set_console_input(vm, NULL, NULL);
	if (u->lock)
		v3_host->lock_free(u->lock);
	v3_vm_free(vm, u, sizeof(*u));
}

V3_DEVICE(uart16550_device, .name = "uart16550", .create = uart_create,
	  .destroy = uart_destroy, .reset = uart_reset);
