package locales

import "reflect"

// Facts are the facts of one Ordine that the texts quote: the convention
// with Aruba, the Ordine's PEC, phone and fax numbers, links. Latina's values
// are the defaults; another Ordine with a convention of the same kind
// configures its own. Every field is available to every text under its name
// ({{.Code}}, {{.OrdinePEC}}, ...).
type Facts struct {
	Ordine        string `envconfig:"ORDINE_NAME" default:"Ordine dei Medici di Latina" desc:"the Ordine's name as members know it"`
	Code          string `envconfig:"CONVENTION_CODE" default:"OMCEO-LT" desc:"the convention code typed at Aruba"`
	ConventionURL string `envconfig:"CONVENTION_URL" default:"https://www.pec.it/Convenzioni.aspx" desc:"the page where the convention code is typed"`
	Site          string `envconfig:"PROVIDER_SITE" default:"www.pec.it" desc:"the provider's site (renewal, support tickets)"`
	PanelURL      string `envconfig:"PANEL_URL" default:"https://gestionemail.pec.it/" desc:"the box's management panel"`
	ContactsURL   string `envconfig:"CONTACTS_URL" default:"https://www.pec.it/ContactsConvenzioni.aspx" desc:"the provider's contacts for conventions"`
	HelpPhone     string `envconfig:"HELP_PHONE" default:"0575 0504" desc:"the number to call in case of difficulties"`
	HelpKey       string `envconfig:"HELP_PHONE_KEY" default:"2" desc:"the key to press after calling HELP_PHONE"`
	AdminPhone    string `envconfig:"ADMIN_PHONE" default:"+39 0575 0504" desc:"the provider's administrative area, telephone"`
	AdminFax      string `envconfig:"ADMIN_FAX" default:"+39 0575 862020" desc:"the provider's administrative area, fax"`
	TechPhone     string `envconfig:"TECH_PHONE" default:"+39 0575 050011" desc:"the provider's technical assistance"`
	OrdinePEC     string `envconfig:"ORDINE_PEC" default:"ordine@pec.ordinemedicilatina.it" desc:"the Ordine's PEC address, to notify an activation"`
	RenewPrice    string `envconfig:"RENEW_PRICE" default:"€ 20" desc:"the approximate price of a five-year renewal"`
}

// Latina returns the facts of the Ordine dei Medici di Latina, as published
// on its page (last updated 7 December 2022): the defaults above, so that
// they are written once.
func Latina() Facts {
	var f Facts
	v := reflect.ValueOf(&f).Elem()
	for i := 0; i < v.NumField(); i++ {
		v.Field(i).SetString(v.Type().Field(i).Tag.Get("default"))
	}
	return f
}
