// SPDX-License-Identifier: GPL-2.0
/*
 * rootkit_sim: the writes a kernel rootkit makes, on command, for Warden's real-Xen lab.
 *
 * Commands are written to /proc/rootkit_sim, one per write:
 *   write SYMBOL OFFSET HEXBYTES   store the bytes at SYMBOL+OFFSET through a writable vmap alias
 *                                  of the page (the way a rootkit bypasses read-only mappings)
 *   read SYMBOL OFFSET LENGTH      read bytes at SYMBOL+OFFSET, with the address the guest's own
 *                                  page tables translate it to (gpa)
 *   restore                        undo every write this module made (newest first)
 * Reading /proc/rootkit_sim gives the result of the last command, one line:
 *   ok SYMBOL+OFFSET gla=0x… alias=0x… gpa=0x… rip=0x… before=HEX after=HEX
 * where alias is the virtual address the store went through and rip the store instruction's (what
 * Xen reports for the write, so a test can match the controller's alert with them)
 * and after is what a read through the kernel's own mapping finds once the store returned.
 *
 * Symbols are found with kallsyms_lookup_name, no longer exported since Linux 5.7 (commit
 * 0bd476e6c671): its address comes from a kprobe registered on it, a well-known technique.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/set_memory.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Rootkit write simulator for Warden's tests");

#define MAX_BYTES 64

struct undo_entry {
	unsigned long address;
	unsigned int length;
	u8 old[MAX_BYTES];
};

#define MAX_UNDO 32
static struct undo_entry undo[MAX_UNDO];
static unsigned int undo_count;
static char result[512] = "none\n";
static DEFINE_MUTEX(lock);
static unsigned long (*lookup_name)(const char *name);

static int find_lookup_name(void)
{
	struct kprobe probe = { .symbol_name = "kallsyms_lookup_name" };
	int err = register_kprobe(&probe);

	if (err)
		return err;
	lookup_name = (unsigned long (*)(const char *))probe.addr;
	unregister_kprobe(&probe);
	return lookup_name ? 0 : -ENOENT;
}

/*
 * The store itself, out of line so its address is known: for 8 aligned bytes one 64-bit mov (how a
 * syscall-table hook is written), otherwise a byte loop. Returns the address of the store.
 */
static noinline unsigned long store(void *alias, const u8 *bytes, unsigned int length)
{
	unsigned long rip;

	if (length == 8 && IS_ALIGNED((unsigned long)alias, 8)) {
		u64 value;

		memcpy(&value, bytes, 8);
		asm volatile("lea 1f(%%rip), %0\n\t"
			     "1: movq %2, (%1)"
			     : "=&r"(rip)
			     : "r"(alias), "r"(value)
			     : "memory");
	} else {
		unsigned int i;

		for (i = 0; i < length; i++)
			asm volatile("lea 1f(%%rip), %0\n\t"
				     "1: movb %2, (%1)"
				     : "=&r"(rip)
				     : "r"((u8 *)alias + i), "q"(bytes[i])
				     : "memory");
	}
	return rip;
}

/*
 * A write is recorded for `restore` unless it is one of restore's own: recording those would push
 * a new entry for every one popped, and restore would never end.
 */
static int write_bytes(unsigned long address, const u8 *bytes, unsigned int length, bool record,
		       char *line, size_t size)
{
	unsigned long offset = offset_in_page(address), rip;
	phys_addr_t phys;
	struct page *page;
	u8 before[MAX_BYTES], after[MAX_BYTES];
	unsigned long written;
	void *alias;

	if (offset + length > PAGE_SIZE)
		return -EINVAL;
	phys = slow_virt_to_phys((void *)address);
	page = pfn_to_page(phys >> PAGE_SHIFT);
	alias = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	if (!alias)
		return -ENOMEM;
	memcpy(before, (void *)address, length);
	rip = store((u8 *)alias + offset, bytes, length);
	written = (unsigned long)alias + offset;
	vunmap(alias);
	memcpy(after, (void *)address, length);
	if (record && undo_count < MAX_UNDO) {
		undo[undo_count].address = address;
		undo[undo_count].length = length;
		memcpy(undo[undo_count].old, before, length);
		undo_count++;
	}
	scnprintf(line, size, "gla=0x%lx alias=0x%lx gpa=0x%llx rip=0x%lx before=%*phN after=%*phN\n",
		  address, written, (unsigned long long)phys, rip, length, before, length, after);
	return 0;
}

static ssize_t command(struct file *file, const char __user *buffer, size_t count, loff_t *pos)
{
	char text[256], symbol[128], hex[2 * MAX_BYTES + 1];
	unsigned long offset, address;
	unsigned int length;
	u8 bytes[MAX_BYTES];
	char line[384];
	int err = 0;

	if (count >= sizeof(text))
		return -EINVAL;
	if (copy_from_user(text, buffer, count))
		return -EFAULT;
	text[count] = 0;
	mutex_lock(&lock);
	if (sscanf(text, "write %127s %lu %128s", symbol, &offset, hex) == 3) {
		length = strlen(hex) / 2;
		address = lookup_name(symbol);
		if (!address || length == 0 || length > MAX_BYTES || hex2bin(bytes, hex, length))
			err = -EINVAL;
		else
			err = write_bytes(address + offset, bytes, length, true, line, sizeof(line));
		if (!err)
			scnprintf(result, sizeof(result), "ok %s+%lu %s", symbol, offset, line);
	} else if (sscanf(text, "read %127s %lu %u", symbol, &offset, &length) == 3) {
		address = lookup_name(symbol);
		if (!address || length == 0 || length > MAX_BYTES)
			err = -EINVAL;
		else
			scnprintf(result, sizeof(result), "ok %s+%lu gla=0x%lx gpa=0x%llx bytes=%*phN\n", symbol,
				  offset, address + offset,
				  (unsigned long long)slow_virt_to_phys((void *)(address + offset)), length,
				  (u8 *)(address + offset));
	} else if (strncmp(text, "restore", 7) == 0) {
		while (undo_count > 0 && !err) {
			struct undo_entry *entry = &undo[undo_count - 1];

			err = write_bytes(entry->address, entry->old, entry->length, false, line, sizeof(line));
			undo_count--;
		}
		if (!err)
			scnprintf(result, sizeof(result), "ok restored\n");
	} else {
		err = -EINVAL;
	}
	if (err)
		scnprintf(result, sizeof(result), "error %d\n", err);
	mutex_unlock(&lock);
	return err ? err : count;
}

static ssize_t report(struct file *file, char __user *buffer, size_t count, loff_t *pos)
{
	ssize_t n;

	mutex_lock(&lock);
	n = simple_read_from_buffer(buffer, count, pos, result, strlen(result));
	mutex_unlock(&lock);
	return n;
}

static const struct proc_ops operations = {
	.proc_write = command,
	.proc_read = report,
};

static int __init rootkit_sim_init(void)
{
	int err = find_lookup_name();

	if (err)
		return err;
	if (!proc_create("rootkit_sim", 0600, NULL, &operations))
		return -ENOMEM;
	pr_info("rootkit_sim: ready\n");
	return 0;
}

static void __exit rootkit_sim_exit(void)
{
	remove_proc_entry("rootkit_sim", NULL);
}

module_init(rootkit_sim_init);
module_exit(rootkit_sim_exit);
