/* ps2_8042.c - the Intel 8042 keyboard controller of the PC/AT (0x60
 * data, 0x64 status/command) with a PS/2 keyboard behind it and no
 * mouse.
 *
 * Status bits, the controller command byte and the commands follow the
 * IBM PS/2 Hardware Technical Reference ("Keyboard/Auxiliary Device
 * Controller") and the Intel 8042/8742 UPI data sheet; the keyboard
 * commands follow the IBM PS/2 keyboard reference (reset 0xFF -> FA AA,
 * identify 0xF2 -> FA AB 83, LEDs 0xED, scan set 0xF0, enable/disable
 * 0xF4/0xF5, all acknowledged with 0xFA).
 *
 * The controller answers at once, so the input buffer is never full.
 * Bytes from the keyboard wait in a small queue and enter the output
 * buffer when it is empty and the keyboard interface is enabled; IRQ 1
 * follows "output buffer full of keyboard data" when the command byte
 * enables it (IRQ 12 likewise for auxiliary data).
 *
 * No auxiliary device: the loopback command 0xD3 answers without the
 * AUX flag and the interface test 0xA9 reports the clock line stuck high
 * (0x02), which is exactly what makes Linux's i8042_check_aux() give up
 * on the AUX port at once, without waiting for a timeout; bytes sent to
 * the mouse (0xD4) get 0xFE with the timeout bit, as with no device.
 *
 * Reset (pulse output port bit 0 with 0xFE, or 0xD1 with bit 0 clear)
 * is a platform reset request: the core stops or restarts the VM as the
 * configuration's on_reset says.  A20 (output port bit 1) is
 * remembered, not enforced: guest RAM above 1 MiB is always visible.
 */
#include "device.h"
#include "irq.h"
#include "vm.h"

#define DATA_PORT 0x60
#define CMD_PORT 0x64
#define KBD_IRQ 1
#define AUX_IRQ 12
#define QUEUE_SIZE 16

/* Status register. */
#define ST_OBF 0x01	/* output buffer full */
#define ST_SYS 0x04	/* system flag (command byte bit 2) */
#define ST_CMD 0x08	/* last write went to 0x64 */
#define ST_UNLOCKED 0x10 /* keyboard not inhibited by the keylock */
#define ST_AUXDATA 0x20 /* output buffer holds auxiliary data */
#define ST_TIMEOUT 0x40

/* Controller command byte. */
#define CCB_KBD_INT 0x01
#define CCB_AUX_INT 0x02
#define CCB_SYS 0x04
#define CCB_KBD_DISABLE 0x10
#define CCB_AUX_DISABLE 0x20
#define CCB_XLATE 0x40

/* Output port. */
#define OUT_RESET 0x01 /* low resets the CPU */
#define OUT_A20 0x02

/* Controller commands. */
#define C_READ_CCB 0x20
#define C_WRITE_CCB 0x60
#define C_AUX_DISABLE 0xa7
#define C_AUX_ENABLE 0xa8
#define C_AUX_TEST 0xa9
#define C_SELF_TEST 0xaa
#define C_KBD_TEST 0xab
#define C_KBD_DISABLE 0xad
#define C_KBD_ENABLE 0xae
#define C_READ_INPUT 0xc0
#define C_READ_OUTPUT 0xd0
#define C_WRITE_OUTPUT 0xd1
#define C_WRITE_KBD_OB 0xd2
#define C_WRITE_AUX_OB 0xd3
#define C_WRITE_AUX 0xd4
#define C_A20_OFF 0xdd
#define C_A20_ON 0xdf
#define C_READ_TEST 0xe0
#define C_PULSE 0xf0 /* 0xf0-0xff: pulse output bits 3-0 low */

#define SELF_TEST_OK 0x55
#define IFACE_TEST_OK 0x00
#define AUX_CLOCK_HIGH 0x02 /* interface test: clock line stuck high */

/* Keyboard commands and replies. */
#define K_SET_LEDS 0xed
#define K_ECHO 0xee
#define K_SCAN_SET 0xf0
#define K_IDENTIFY 0xf2
#define K_TYPEMATIC 0xf3
#define K_ENABLE 0xf4
#define K_DISABLE 0xf5
#define K_DEFAULTS 0xf6
#define K_RESEND 0xfe
#define K_RESET 0xff
#define K_ACK 0xfa
#define K_BAT_OK 0xaa
#define K_NAK 0xfe
#define K_ID1 0xab
#define K_ID2 0x83
#define K_ID2_XLATED 0x41 /* 0x83 through the 8042's translation */

enum ob_source { SRC_CONTROLLER, SRC_KBD, SRC_AUX };

struct kbd {
	uint8_t q[QUEUE_SIZE];
	unsigned head, count;
	uint8_t awaiting; /* command waiting for its parameter, or 0 */
	uint8_t scan_set;
	uint8_t leds;
	uint8_t last;
	bool scanning;
};

struct i8042 {
	struct v3_vm *vm;
	void *lock;
	uint8_t ccb;
	uint8_t outport;
	uint8_t pending; /* controller command waiting for a data byte */
	bool last_was_cmd;
	bool timeout;
	bool obf;
	uint8_t ob;
	enum ob_source ob_src;
	bool kbd_irq, aux_irq;
	struct kbd kbd;
};

/* ---- keyboard ----------------------------------------------------------- */

static void kbd_send(struct kbd *k, uint8_t b)
{
	if (k->count == QUEUE_SIZE)
		return; /* the keyboard's own buffer overflowed */
	k->q[(k->head + k->count) % QUEUE_SIZE] = b;
	k->count++;
	k->last = b;
}

static void kbd_defaults(struct kbd *k)
{
	k->scan_set = 2;
	k->leds = 0;
	k->awaiting = 0;
}

/* The set number, passed through the 8042's set-2-to-set-1 translation
 * when that is on (as every byte from the keyboard is). */
static uint8_t scan_set_reply(const struct i8042 *c, uint8_t set)
{
	static const uint8_t xlated[4] = {0xff, 0x43, 0x41, 0x3f};

	return (c->ccb & CCB_XLATE) ? xlated[set & 3] : set;
}

static void kbd_param(struct i8042 *c, struct kbd *k, uint8_t val)
{
	uint8_t cmd = k->awaiting;

	k->awaiting = 0;
	if (cmd == K_SET_LEDS) {
		k->leds = val & 7;
	} else if (cmd == K_SCAN_SET && val == 0) {
		kbd_send(k, K_ACK);
		kbd_send(k, scan_set_reply(c, k->scan_set));
		return;
	} else if (cmd == K_SCAN_SET) {
		if (val > 3) {
			kbd_send(k, K_NAK);
			return;
		}
		k->scan_set = val;
	}
	kbd_send(k, K_ACK); /* K_TYPEMATIC: rate ignored */
}

static void kbd_command(struct i8042 *c, struct kbd *k, uint8_t val)
{
	if (k->awaiting) {
		kbd_param(c, k, val);
		return;
	}
	switch (val) {
	case K_SET_LEDS:
	case K_SCAN_SET:
	case K_TYPEMATIC:
		k->awaiting = val;
		kbd_send(k, K_ACK);
		break;
	case K_ECHO:
		kbd_send(k, K_ECHO);
		break;
	case K_IDENTIFY:
		kbd_send(k, K_ACK);
		kbd_send(k, K_ID1);
		kbd_send(k, c->ccb & CCB_XLATE ? K_ID2_XLATED : K_ID2);
		break;
	case K_ENABLE:
		k->scanning = true;
		kbd_send(k, K_ACK);
		break;
	case K_DISABLE:
		k->scanning = false;
		kbd_defaults(k);
		kbd_send(k, K_ACK);
		break;
	case K_DEFAULTS:
		kbd_defaults(k);
		kbd_send(k, K_ACK);
		break;
	case K_RESEND:
		kbd_send(k, k->last);
		break;
	case K_RESET:
		kbd_defaults(k);
		k->scanning = true;
		k->count = 0;
		kbd_send(k, K_ACK);
		kbd_send(k, K_BAT_OK);
		break;
	default:
		/* 0xf7-0xfd are scan-set-3 key attributes: accepted. */
		kbd_send(k, val >= 0xf7 && val <= 0xfd ? K_ACK : K_NAK);
		break;
	}
}

/* ---- output buffer and interrupts -------------------------------------- */

static void update_irqs(struct i8042 *c)
{
	bool kbd = c->obf && c->ob_src != SRC_AUX && (c->ccb & CCB_KBD_INT);
	bool aux = c->obf && c->ob_src == SRC_AUX && (c->ccb & CCB_AUX_INT);

	if (kbd != c->kbd_irq) {
		c->kbd_irq = kbd;
		v3_irq_set(c->vm, KBD_IRQ, kbd);
	}
	if (aux != c->aux_irq) {
		c->aux_irq = aux;
		v3_irq_set(c->vm, AUX_IRQ, aux);
	}
}

/* The next keyboard byte moves into an empty output buffer while the
 * keyboard interface is enabled. */
static void refill(struct i8042 *c)
{
	struct kbd *k = &c->kbd;

	if (c->obf || !k->count || (c->ccb & CCB_KBD_DISABLE))
		return;
	c->ob = k->q[k->head];
	k->head = (k->head + 1) % QUEUE_SIZE;
	k->count--;
	c->ob_src = SRC_KBD;
	c->obf = true;
}

/* A controller reply takes the output buffer; an unread keyboard byte
 * goes back to the head of its queue rather than being lost. */
static void reply(struct i8042 *c, uint8_t b, enum ob_source src)
{
	struct kbd *k = &c->kbd;

	if (c->obf && c->ob_src == SRC_KBD && k->count < QUEUE_SIZE) {
		k->head = (k->head + QUEUE_SIZE - 1) % QUEUE_SIZE;
		k->q[k->head] = c->ob;
		k->count++;
	}
	c->ob = b;
	c->ob_src = src;
	c->obf = true;
}

/* ---- controller --------------------------------------------------------- */

static void guest_reset(struct i8042 *c)
{
	v3_vm_request_reset(c->vm, "guest reset (8042)");
}

static void write_outport(struct i8042 *c, uint8_t val)
{
	c->outport = val;
	if (!(val & OUT_RESET))
		guest_reset(c);
}

static void controller_command(struct i8042 *c, uint8_t cmd)
{
	switch (cmd) {
	case C_READ_CCB:
		reply(c, c->ccb, SRC_CONTROLLER);
		break;
	case C_WRITE_CCB:
	case C_WRITE_OUTPUT:
	case C_WRITE_KBD_OB:
	case C_WRITE_AUX_OB:
	case C_WRITE_AUX:
		c->pending = cmd;
		break;
	case C_AUX_DISABLE:
		c->ccb |= CCB_AUX_DISABLE;
		break;
	case C_AUX_ENABLE:
		c->ccb &= ~CCB_AUX_DISABLE;
		break;
	case C_AUX_TEST:
		reply(c, AUX_CLOCK_HIGH, SRC_CONTROLLER);
		break;
	case C_SELF_TEST:
		c->ccb |= CCB_SYS;
		reply(c, SELF_TEST_OK, SRC_CONTROLLER);
		break;
	case C_KBD_TEST:
	case C_READ_TEST:
		reply(c, IFACE_TEST_OK, SRC_CONTROLLER);
		break;
	case C_KBD_DISABLE:
		c->ccb |= CCB_KBD_DISABLE;
		break;
	case C_KBD_ENABLE:
		c->ccb &= ~CCB_KBD_DISABLE;
		break;
	case C_READ_INPUT: /* bit 7: keyboard not inhibited */
		reply(c, 0x80, SRC_CONTROLLER);
		break;
	case C_READ_OUTPUT:
		reply(c, c->outport, SRC_CONTROLLER);
		break;
	case C_A20_OFF:
		c->outport &= ~OUT_A20;
		break;
	case C_A20_ON:
		c->outport |= OUT_A20;
		break;
	default:
		/* Read internal RAM 0x21-0x3f: we keep none. */
		if (cmd > C_READ_CCB && cmd < 0x40)
			reply(c, 0, SRC_CONTROLLER);
		/* Pulse: bits 3-0 clear are pulsed; bit 0 is reset. */
		else if (cmd >= C_PULSE && !(cmd & OUT_RESET))
			guest_reset(c);
		break;
	}
}

static void write_data(struct i8042 *c, uint8_t val)
{
	uint8_t cmd = c->pending;

	c->pending = 0;
	switch (cmd) {
	case C_WRITE_CCB:
		c->ccb = val & 0x7f; /* bit 7 is reserved, reads 0 */
		break;
	case C_WRITE_OUTPUT:
		write_outport(c, val);
		break;
	case C_WRITE_KBD_OB:
		reply(c, val, SRC_KBD);
		break;
	case C_WRITE_AUX_OB:
		/* No AUX port: the byte comes back as controller data. */
		reply(c, val, SRC_CONTROLLER);
		break;
	case C_WRITE_AUX:
		/* Nothing on the AUX port answers. */
		c->timeout = true;
		reply(c, K_NAK, SRC_AUX);
		break;
	default:
		/* Data to the keyboard also re-enables its interface. */
		c->ccb &= ~CCB_KBD_DISABLE;
		kbd_command(c, &c->kbd, val);
		break;
	}
}

static uint8_t read_data(struct i8042 *c)
{
	uint8_t v = c->ob; /* an empty buffer reads the last byte again */

	if (c->obf) {
		c->obf = false;
		c->timeout = false;
		/* Let the line drop before the next byte raises it again. */
		update_irqs(c);
	}
	return v;
}

static uint8_t read_status(const struct i8042 *c)
{
	return (c->obf ? ST_OBF : 0) | (c->ccb & CCB_SYS ? ST_SYS : 0) |
	       (c->last_was_cmd ? ST_CMD : 0) | ST_UNLOCKED |
	       (c->obf && c->ob_src == SRC_AUX ? ST_AUXDATA : 0) |
	       (c->timeout ? ST_TIMEOUT : 0);
}

static int i8042_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct i8042 *c = priv;
	uint8_t val = (uint8_t)acc->val[0];
	unsigned long flags = v3_host->lock_irqsave(c->lock);

	(void)vcpu;
	if (acc->addr == CMD_PORT && acc->write) {
		c->last_was_cmd = true;
		c->pending = 0;
		controller_command(c, val);
	} else if (acc->addr == CMD_PORT) {
		acc->val[0] = read_status(c);
	} else if (acc->write) {
		c->last_was_cmd = false;
		write_data(c, val);
	} else {
		acc->val[0] = read_data(c);
	}
	refill(c);
	update_irqs(c);
	v3_host->unlock_irqrestore(c->lock, flags);
	return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

/* Power-on: translation on, interrupts off until the firmware enables
 * them (so an early IRQ 1 handler cannot swallow a self-test reply), no
 * SYS flag until the self-test; reset line high, A20 on (see above). */
static void power_on(struct i8042 *c)
{
	c->ccb = CCB_XLATE;
	c->outport = OUT_RESET | OUT_A20;
	c->pending = 0;
	c->last_was_cmd = false;
	c->timeout = false;
	c->obf = false;
	c->ob = 0;
	v3_memset(&c->kbd, 0, sizeof(c->kbd));
	kbd_defaults(&c->kbd);
	c->kbd.scanning = true;
}

static void i8042_reset(struct v3_vm *vm, void *priv)
{
	struct i8042 *c = priv;
	unsigned long flags = v3_host->lock_irqsave(c->lock);

	(void)vm;
	power_on(c);
	update_irqs(c);
	v3_host->unlock_irqrestore(c->lock, flags);
}

static int i8042_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			void **priv, char *err, size_t errlen)
{
	struct i8042 *c = v3_vm_zalloc(vm, sizeof(*c));

	*priv = c;
	if (!c)
		return -1;
	c->vm = vm;
	power_on(c);
	c->lock = v3_host->lock_alloc();
	if (!c->lock) {
		v3_snprintf(err, errlen, "line %d: ps2_8042: out of memory",
			    cfg->line);
		return -1;
	}
	if (v3_hook_add(vm, V3_HOOK_IO, DATA_PORT, DATA_PORT, i8042_io, c) ||
	    v3_hook_add(vm, V3_HOOK_IO, CMD_PORT, CMD_PORT, i8042_io, c)) {
		v3_snprintf(err, errlen,
			    "line %d: ps2_8042: ports 0x60/0x64 are taken",
			    cfg->line);
		return -1;
	}
	return 0;
}

static void i8042_destroy(struct v3_vm *vm, void *priv)
{
	struct i8042 *c = priv;

	if (c->lock)
		v3_host->lock_free(c->lock);
	v3_vm_free(vm, c, sizeof(*c));
}

V3_DEVICE(ps2_8042_device, .name = "ps2_8042", .create = i8042_create,
	  .destroy = i8042_destroy, .reset = i8042_reset);
