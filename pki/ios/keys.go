package ios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/iosemu/iosemu/cli"
	"github.com/iosemu/iosemu/parser"
	"github.com/iosemu/iosemu/pki"
)

// The RSA key commands, as IOS 15 and XE 3 have them: the modulus question
// offers 360 to 4096 bits with 512 as the default.
const (
	minModulus     = 360
	maxModulus     = 4096
	defaultModulus = 512
)

func (c *face) registerKeys(r *cli.Registry) {
	r.Install(parser.Config,
		cmd{Syntax: "crypto key generate rsa [{general-keys|label WORD$keylabel|modulus (360-4096)$bits|exportable}]",
			Help: cli.HelpCrypto + "\nLong term key operations\nGenerate new keys\nGenerate RSA keys\n" +
				"Generate a general purpose RSA key pair for signing and encryption\nProvide a label\nRSA key pair label\n" +
				"Provide number of modulus bits on the command line\nsize of the key modulus [360-4096]\nAllow the key to be exported",
			Priv: 15, Handler: c.keyGenerate},
		cmd{Syntax: "crypto key zeroize rsa [WORD$label]",
			Help: cli.HelpCrypto + "\nLong term key operations\nRemove keys\nRemove RSA keys\nRSA key pair label",
			Priv: 15, Handler: c.keyZeroize},
	)
	r.Install(parser.Exec,
		cmd{Syntax: "show crypto key mypubkey rsa [WORD$label]",
			Help:    cli.HelpShow + "\nEncryption module\nShow long term public keys\nShow public keys associated with this router\nShow RSA public keys\nRSA key pair label",
			Handler: c.showMyPubKey},
	)
}

// defaultKeyLabel is the label IOS gives an unnamed key: the router's
// fully qualified name.
func (c *face) defaultKeyLabel() (string, bool) {
	dom := c.d.DomainName()
	if dom == "" {
		return "", false
	}
	return c.d.Hostname() + "." + dom, true
}

// keyGenerate is `crypto key generate rsa`, with IOS's dialogs.
func (c *face) keyGenerate(s *cli.Session, a parser.Args) {
	label := a.String("keylabel")
	if label == "" {
		var ok bool
		if label, ok = c.defaultKeyLabel(); !ok {
			s.Println("% Please define a domain-name first.")
			return
		}
	}
	exportable := a.Has("exportable")
	bits := 0
	if a.Has("bits") {
		bits = a.Int("bits")
	}
	if _, exists := c.keys.Get(label); exists {
		s.Printf("%% You already have RSA keys defined named %s.\n", label)
		if bits != 0 {
			s.Println("% They will be replaced.")
		} else if !askYesNo(s, "% Do you really want to replace them? [yes/no]: ") {
			return
		}
	} else {
		s.Printf("The name for the keys will be: %s\n", label)
	}
	if bits == 0 {
		s.Printf("Choose the size of the key modulus in the range of %d to %d for your\n", minModulus, maxModulus)
		s.Println("  General Purpose Keys. Choosing a key modulus greater than 512 may take")
		s.Println("  a few minutes.")
		s.Println("")
		for bits == 0 {
			ans := strings.TrimSpace(s.Ask(fmt.Sprintf("How many bits in the modulus [%d]: ", defaultModulus)))
			switch n, err := strconv.Atoi(ans); {
			case ans == "\x03":
				s.Println("% Key generation aborted")
				return
			case ans == "":
				bits = defaultModulus
			case err != nil || n < minModulus || n > maxModulus:
				s.Printf("%% Invalid modulus. Enter a value in the range %d to %d\n", minModulus, maxModulus)
			default:
				bits = n
			}
		}
	} else {
		s.Println("")
		s.Printf("%% The key modulus size is %d bits\n", bits)
	}
	kind := "non-exportable"
	if exportable {
		kind = "exportable"
	}
	s.Printf("%% Generating %d bit RSA keys, keys will be %s...\n", bits, kind)
	if _, err := c.generateKey(label, bits, exportable); err != nil {
		s.Printf("%% Key generation failed: %v\n", err)
		return
	}
	s.Println("[OK] (elapsed time was 0 seconds)")
	s.Println("")
	c.d.MarkChanged(s.User())
}

// generateKey makes a key pair and puts it in the keyring, replacing one of
// the same label. The router's first general-purpose key enables its SSH
// server, which IOS logs.
func (c *face) generateKey(label string, bits int, exportable bool) (*pki.Key, error) {
	first := len(c.keys.List()) == 0
	k, err := pki.GenerateKey(c.d.Rand(), label, bits, exportable, c.d.Clock().Now())
	if err != nil {
		return nil, err
	}
	c.keys.Put(k)
	if first {
		c.logf("%%SSH-5-ENABLED: SSH 1.99 has been enabled")
	}
	return k, nil
}

// keyZeroize is `crypto key zeroize rsa [LABEL]`.
func (c *face) keyZeroize(s *cli.Session, a parser.Args) {
	label := a.String("label")
	if label != "" {
		if _, ok := c.keys.Get(label); !ok {
			s.Printf("%% No RSA keys defined named %s.\n", label)
			return
		}
		s.Printf("%% Keys to be removed are named '%s'.\n", label)
	} else {
		if len(c.keys.List()) == 0 {
			s.Println("% No Signature RSA Keys found in configuration.")
			return
		}
		s.Println("% All keys will be removed.")
	}
	s.Println("% All router certs issued using these keys will also be removed.")
	if !askYesNo(s, "Do you really want to remove these keys? [yes/no]: ") {
		return
	}
	for _, k := range c.keys.List() {
		if label == "" || k.Label == label {
			if c.keyInUseByServer(k.Label) {
				continue
			}
			c.keys.Delete(k.Label)
		}
	}
	c.d.MarkChanged(s.User())
}

// showMyPubKey is `show crypto key mypubkey rsa [LABEL]`, in the seeds'
// layout.
func (c *face) showMyPubKey(s *cli.Session, a parser.Args) {
	label := a.String("label")
	for _, k := range c.keys.List() {
		if label != "" && k.Label != label {
			continue
		}
		s.Printf("%% Key pair was generated at: %s\n", c.dateOf(k.Generated))
		s.Printf("Key name: %s\n", k.Label)
		s.Println("Key type: RSA KEYS")
		s.Printf(" Storage Device: %s\n", k.Storage)
		s.Printf(" Usage: %s\n", k.Usage)
		if k.Exportable {
			s.Println(" Key is exportable.")
		} else {
			s.Println(" Key is not exportable.")
		}
		s.Println(" Key Data:")
		for _, l := range pki.PublicKeyHex(k) {
			s.Printf("  %s\n", l)
		}
	}
}

// askYesNo asks a [yes/no] question until it gets an answer; anything but
// yes (or y), Ctrl-C included, is no.
func askYesNo(s *cli.Session, prompt string) bool {
	for {
		ans := strings.ToLower(strings.TrimSpace(s.Ask(prompt)))
		switch {
		case ans == "yes" || ans == "y":
			return true
		case ans == "no" || ans == "n" || ans == "\x03" || s.Headless():
			return false
		}
		s.Println("% Please answer 'yes' or 'no'.")
	}
}
