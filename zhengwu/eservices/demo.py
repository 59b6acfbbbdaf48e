"""Demo catalogue of 云泽市: ~30 items of 12 departments, published through the real review
process (submitted by the system, approved by the department's leader in the workflow).

Legal bases cite real national laws and regulations by name; article numbers are given only where
they are well known, otherwise the citation stays at the level of the instrument. The city, its
departments, addresses and telephone numbers are fictional. Idempotent: existing items (by code)
are left exactly as they are, so a second run changes nothing and writes no audit entries.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from zhengwu.directory import actions as directory
from zhengwu.directory.models import Account, Organisation, Role
from zhengwu.eservices import actions
from zhengwu.eservices.models import LifeEvent, ServiceItem, Topic
from zhengwu.eservices.rules import FaqInput, FeeInput, ItemInput, MaterialInput
from zhengwu.eservices.taxonomy import taxonomy_ensure
from zhengwu.files.actions import file_store
from zhengwu.workflow import actions as workflow
from zhengwu.workflow.models import WorkTask

ROLE_PERMISSIONS = {
    "clerk": ["view_serviceitem", "add_serviceitem", "change_serviceitem"],
    "leader": ["view_serviceitem", "publish_serviceitem"],
    "reviewer": ["view_serviceitem", "publish_serviceitem"],
}
CENTRE = "云泽市政务服务中心（云泽市新城大道88号）"
HOURS = "周一至周五（法定节假日除外）上午9:00—12:00，下午13:30—17:00"
HOTLINE = "0999-12345"
LICENSING_LAW = "《中华人民共和国行政许可法》"

PERSON_FORM = {
    "type": "object",
    "title": "申请人信息",
    "required": ["name", "id_number", "mobile"],
    "properties": {
        "name": {"type": "string", "title": "姓名", "maxLength": 50},
        "id_number": {"type": "string", "title": "公民身份号码", "pattern": "^[0-9]{17}[0-9X]$"},
        "mobile": {"type": "string", "title": "手机号码", "pattern": "^1[0-9]{10}$"},
        "address": {"type": "string", "title": "联系地址", "maxLength": 200},
    },
}
ENTITY_FORM = {
    "type": "object",
    "title": "申请单位信息",
    "required": ["entity_name", "credit_code", "legal_representative", "contact_phone"],
    "properties": {
        "entity_name": {"type": "string", "title": "单位名称", "maxLength": 200},
        "credit_code": {
            "type": "string",
            "title": "统一社会信用代码",
            "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$",
        },
        "legal_representative": {"type": "string", "title": "法定代表人（负责人）"},
        "contact_phone": {"type": "string", "title": "联系电话"},
        "address": {"type": "string", "title": "住所（经营场所）", "maxLength": 200},
    },
}


@dataclass
class Spec:
    dept: str
    name: str
    item_type: str
    audience: str
    topics: list[str]
    events: list[str]
    summary: str
    basis: str
    conditions: str
    statutory: int | None
    promised: int
    materials: list[tuple[str, bool, str, int, str]]
    depth: int = 3
    visits: int = 1
    fees: list[tuple[str, str, str, str]] = field(default_factory=list)
    faqs: list[tuple[str, str]] = field(default_factory=list)
    process: str = ""
    blank_form: str = ""  # name of the material that gets a generated blank form


def _process(spec: Spec) -> str:
    if spec.process:
        return spec.process
    if spec.item_type == "licensing":
        return (
            "1. 申请：申请人通过云泽市网上办事大厅在线提交，或到市政务服务中心窗口递交申请材料。\n"
            "2. 受理：窗口当场审查材料；材料齐全、符合法定形式的予以受理并出具受理凭证；"
            "材料不齐全或不符合法定形式的，当场或者五日内一次告知需要补正的全部内容。\n"
            "3. 审查：承办机构对申请材料进行审查，需要核查的组织现场核查。\n"
            "4. 决定：符合条件的作出准予行政许可决定；不符合条件的作出不予行政许可决定，说明理由并"
            "告知申请行政复议或者提起行政诉讼的权利。\n"
            "5. 送达：准予许可的颁发许可证件（可选择电子证照、窗口领取或邮寄送达）。"
        )
    return (
        "1. 申请：申请人在线提交或到窗口递交申请材料。\n"
        "2. 受理：窗口审查材料，材料齐全的予以受理；材料不全的一次性告知需要补正的全部内容。\n"
        "3. 审核：承办科室审核，必要时入户调查或核实。\n"
        "4. 办结：作出决定并告知申请人，结果可在网上办事大厅查询。"
    )


ID_CARD = ("居民身份证", True, "original", 1, "核验原件，现场复印留存")
BUSINESS_LICENCE = ("营业执照", True, "copy", 1, "已实现电子证照共享的可免于提交")
ENTITY_ID = ("法定代表人（负责人）身份证明", True, "copy", 1, "")
AUTHORISATION = ("授权委托书及受托人身份证明", False, "original", 1, "委托他人代为办理的提供")

SPECS: list[Spec] = [
    # --- 市市场监督管理局 ---------------------------------------------------------------------
    Spec(
        "scjg",
        "个体工商户设立登记",
        "confirmation",
        "person",
        ["market-access", "employment"],
        ["employment"],
        "从事工商业经营的自然人或者家庭申请登记为个体工商户。",
        "《中华人民共和国市场主体登记管理条例》；《促进个体工商户发展条例》；"
        "《中华人民共和国市场主体登记管理条例实施细则》。",
        "有经营能力的自然人或者家庭；经营场所符合规定；经营范围不属于法律、行政法规禁止的项目。",
        15,
        1,
        [
            ("个体工商户登记（备案）申请书", True, "original", 1, "经营者签字"),
            ID_CARD,
            ("经营场所使用证明", True, "copy", 1, "房屋产权证明或租赁合同等"),
            AUTHORISATION,
        ],
        depth=4,
        visits=0,
        faqs=[
            ("个体工商户可以起字号吗？", "可以。个体工商户可以使用名称，也可以不使用名称。"),
            (
                "材料齐全的多长时间能拿到营业执照？",
                "材料齐全、符合法定形式的当场或者1个工作日内办结，可领取纸质执照或下载电子营业执照。",
            ),
        ],
        blank_form="个体工商户登记（备案）申请书",
    ),
    Spec(
        "scjg",
        "食品经营许可",
        "licensing",
        "legal_entity",
        ["food-drug", "market-access"],
        ["opening", "operation"],
        "在本市从事食品销售和餐饮服务活动的，应当依法取得食品经营许可。",
        "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》（国家市场监督管理总局令）；"
        + LICENSING_LAW
        + "。",
        "具有与经营的食品品种、数量相适应的经营场所和设施设备；有专职或者兼职的食品安全管理人员和"
        "保证食品安全的规章制度；有合理的设备布局和工艺流程；法律、法规规定的其他条件。",
        20,
        10,
        [
            ("食品经营许可申请书", True, "original", 1, ""),
            BUSINESS_LICENCE,
            ("与食品经营相适应的主要设备设施布局、操作流程等文件", True, "original", 1, ""),
            (
                "食品安全自查、从业人员健康管理、进货查验记录等保证食品安全的规章制度",
                True,
                "original",
                1,
                "",
            ),
            AUTHORISATION,
        ],
        depth=3,
        visits=1,
        faqs=[
            (
                "只销售预包装食品需要办理食品经营许可吗？",
                "仅销售预包装食品的，实行备案管理，无需取得许可，向所在地市场监管部门备案即可。",
            ),
            (
                "许可证有效期是多久？",
                "食品经营许可证有效期为5年。有效期届满需要延续的，应当在届满前"
                "向原发证部门提出申请。",
            ),
        ],
        blank_form="食品经营许可申请书",
    ),
    Spec(
        "scjg",
        "药品零售企业许可",
        "licensing",
        "legal_entity",
        ["food-drug", "health"],
        ["opening"],
        "开办药品零售企业，应当取得药品经营许可证。",
        "《中华人民共和国药品管理法》第五十一条；《药品经营和使用质量监督管理办法》；"
        + LICENSING_LAW
        + "。",
        "有依法经过资格认定的药师或者其他药学技术人员；有与所经营药品相适应的营业场所、设备、仓储"
        "设施和卫生环境；有与所经营药品相适应的质量管理机构或者人员；有保证药品质量的规章制度。",
        20,
        15,
        [
            ("药品经营许可证申请表", True, "original", 1, ""),
            BUSINESS_LICENCE,
            ("执业药师注册证及身份证明", True, "copy", 1, ""),
            ("经营场所、仓储设施平面布局图及产权或使用权证明", True, "copy", 1, ""),
            ("质量管理制度文件目录", True, "original", 1, ""),
        ],
        depth=3,
        visits=1,
    ),
    Spec(
        "scjg",
        "企业变更登记",
        "confirmation",
        "legal_entity",
        ["market-access"],
        ["change"],
        "企业名称、住所、法定代表人、注册资本、经营范围等登记事项发生变更的，申请变更登记。",
        "《中华人民共和国公司法》；《中华人民共和国市场主体登记管理条例》第二十四条。",
        "变更事项符合法律、行政法规规定；自作出变更决议、决定或者法定变更事项发生之日起30日内申请。",
        15,
        1,
        [
            ("公司变更登记申请书", True, "original", 1, "法定代表人签字"),
            ("关于变更事项的决议或者决定", True, "original", 1, ""),
            ("修改后的公司章程或者章程修正案", False, "original", 1, "变更事项涉及章程的提供"),
        ],
        depth=4,
        visits=0,
    ),
    Spec(
        "scjg",
        "企业注销登记",
        "confirmation",
        "legal_entity",
        ["market-access"],
        ["closure"],
        "企业解散、被宣告破产或者因其他法定事由需要终止的，申请注销登记。",
        "《中华人民共和国公司法》；《中华人民共和国市场主体登记管理条例》第三十一条至第三十四条。",
        "已依法完成清算，或者符合简易注销条件（未发生或者已清偿债权债务，全体投资人书面承诺）。",
        15,
        3,
        [
            ("注销登记申请书", True, "original", 1, ""),
            ("清算报告或者全体投资人承诺书", True, "original", 1, "简易注销提交承诺书"),
            ("清税证明", False, "copy", 1, "已实现部门信息共享的免于提交"),
        ],
        depth=4,
        visits=0,
        faqs=[
            ("简易注销的公示期是多久？", "简易注销公示期为20日，公示期内无异议的可申请注销登记。")
        ],
    ),
    # --- 市住房和城乡建设局 --------------------------------------------------------------------
    Spec(
        "zj",
        "建筑工程施工许可",
        "licensing",
        "legal_entity",
        ["construction"],
        ["investment"],
        "在本市行政区域内从事各类房屋建筑及其附属设施的建造、装修装饰和与其配套的线路、管道、设备"
        "的安装，以及城镇市政基础设施工程的施工，建设单位在开工前申请领取施工许可证。",
        "《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》（住房和城乡建设部令）；"
        + LICENSING_LAW
        + "。",
        "已办理用地批准手续；依法应当办理建设工程规划许可证的，已经取得规划许可证；施工场地已经基本"
        "具备施工条件；已经确定施工企业；有满足施工需要的资金安排、施工图纸及技术资料；有保证工程"
        "质量和安全的具体措施。",
        15,
        7,
        [
            ("建筑工程施工许可证申请表", True, "original", 1, ""),
            ("建设工程规划许可证", True, "copy", 1, "已共享的免于提交"),
            ("中标通知书或直接发包批准文件", True, "copy", 1, ""),
            ("施工合同", True, "copy", 1, ""),
            ("建设资金已经落实承诺书", True, "original", 1, ""),
        ],
        depth=3,
        visits=1,
        blank_form="建筑工程施工许可证申请表",
    ),
    Spec(
        "zj",
        "户外广告设施设置许可",
        "licensing",
        "legal_entity",
        ["city-appearance"],
        ["operation"],
        "在城市建筑物、构筑物和公共场地设置大型户外广告设施的，应当取得设置许可。",
        "《城市市容和环境卫生管理条例》第十一条；" + LICENSING_LAW + "；地方户外广告设置管理规定。",
        "符合户外广告设置规划和技术规范；设置位置权属清楚或者已取得产权人同意；设施结构安全。",
        20,
        10,
        [
            ("户外广告设施设置申请表", True, "original", 1, ""),
            ("设置场地使用权证明或者产权人同意设置的证明", True, "copy", 1, ""),
            ("设计效果图及结构安全证明", True, "original", 1, "大型设施需提供结构安全检测报告"),
        ],
        depth=3,
        visits=1,
    ),
    Spec(
        "zj",
        "公共租赁住房申请",
        "benefit",
        "person",
        ["housing", "social-assistance"],
        ["housing"],
        "本市城镇中等偏下收入住房困难家庭、新就业无房职工和在本市稳定就业的外来务工人员申请公共"
        "租赁住房保障。",
        "《公共租赁住房管理办法》（住房和城乡建设部令第11号）；地方公共租赁住房管理实施细则。",
        "申请人在本市无自有住房或者住房面积低于规定标准；收入、财产符合规定标准；申请人为本市户籍"
        "或在本市稳定就业。",
        None,
        20,
        [
            ID_CARD,
            ("户口簿或居住证", True, "copy", 1, ""),
            ("家庭收入、财产情况声明及授权核查书", True, "original", 1, ""),
        ],
        depth=3,
        visits=1,
    ),
    # --- 市卫生健康委员会 ----------------------------------------------------------------------
    Spec(
        "wj",
        "出生医学证明首次签发",
        "public_service",
        "person",
        ["birth-adoption", "health"],
        ["birth"],
        "在本市依法取得助产技术服务资质的医疗机构出生的新生儿，由出生医疗机构签发出生医学证明。",
        "《中华人民共和国母婴保健法》第二十三条；《中华人民共和国母婴保健法实施办法》。",
        "新生儿在本市具有助产资质的医疗机构出生；父母或监护人提供有效身份证件。",
        None,
        0,
        [
            ("出生医学证明自填单", True, "original", 1, "父母签字"),
            ("父母双方居民身份证", True, "original", 1, "核验原件"),
        ],
        depth=2,
        visits=1,
        process="1. 新生儿出生后，父母在出生医疗机构领取并填写出生医学证明自填单。\n"
        "2. 医疗机构核对新生儿出生信息和父母身份证件。\n"
        "3. 医疗机构当场签发出生医学证明。",
        faqs=[
            (
                "在家中分娩的如何办理？",
                "由接产人员或其他知情人出具证明，经所在地县级卫生健康部门指定的机构核实后签发。",
            )
        ],
        blank_form="出生医学证明自填单",
    ),
    Spec(
        "wj",
        "医疗机构执业登记",
        "licensing",
        "legal_entity",
        ["health"],
        ["opening"],
        "医疗机构执业，必须进行登记，领取医疗机构执业许可证。",
        "《医疗机构管理条例》第十五条；《医疗机构管理条例实施细则》；" + LICENSING_LAW + "。",
        "按照规定应当办理设置医疗机构批准书的，已取得批准书；符合医疗机构的基本标准；有适合的"
        "名称、组织机构和场所；有与开展业务相适应的经费、设施、设备和专业卫生技术人员。",
        45,
        20,
        [
            ("医疗机构申请执业登记注册书", True, "original", 1, ""),
            ("医疗机构用房产权证明或者使用证明", True, "copy", 1, ""),
            ("医疗机构建筑设计平面图", True, "original", 1, ""),
            ("专业卫生技术人员名录及执业证书", True, "copy", 1, ""),
        ],
        depth=3,
        visits=1,
    ),
    # --- 市民政局 ------------------------------------------------------------------------------
    Spec(
        "mz",
        "最低生活保障申请",
        "benefit",
        "person",
        ["social-assistance"],
        ["hardship"],
        "共同生活的家庭成员人均收入低于当地最低生活保障标准，且家庭财产状况符合规定的，可以申请"
        "最低生活保障。",
        "《社会救助暂行办法》（国务院令第649号）第九条至第十六条；《最低生活保障审核确认办法》。",
        "持有本市户籍；家庭人均收入低于本市城乡居民最低生活保障标准；家庭财产状况符合规定。",
        None,
        30,
        [
            ID_CARD,
            ("户口簿", True, "original", 1, ""),
            ("最低生活保障申请书及家庭经济状况核查授权书", True, "original", 1, "全体家庭成员签字"),
            ("残疾证、病历等特殊情况证明", False, "copy", 1, "有特殊情况的提供"),
        ],
        depth=3,
        visits=1,
        faqs=[
            (
                "可以在哪里提出申请？",
                "向户籍所在地乡镇人民政府（街道办事处）提出，也可通过网上办事"
                "大厅在线申请；实行居住地申办的，向经常居住地提出。",
            ),
            ("审核确认需要多长时间？", "一般在30个工作日内完成；特殊情况可延长至45个工作日。"),
        ],
        blank_form="最低生活保障申请书及家庭经济状况核查授权书",
    ),
    Spec(
        "mz",
        "高龄津贴申领",
        "benefit",
        "person",
        ["elderly-care"],
        ["old-age"],
        "本市户籍80周岁以上老年人按月享受高龄津贴。",
        "《中华人民共和国老年人权益保障法》第三十三条；地方高龄津贴发放管理办法。",
        "具有本市户籍；年满80周岁。",
        None,
        10,
        [ID_CARD, ("户口簿", True, "copy", 1, ""), ("本人社会保障卡或银行卡", True, "copy", 1, "")],
        depth=4,
        visits=0,
        faqs=[
            (
                "满80周岁后会自动发放吗？",
                "本市已实现户籍数据比对，符合条件的老年人系统自动提示，"
                "本人或家属确认收款账户后即可发放，无需另行提交证明。",
            )
        ],
    ),
    Spec(
        "mz",
        "内地居民婚姻登记",
        "confirmation",
        "person",
        ["marriage"],
        ["marriage-children"],
        "内地居民自愿结婚的，男女双方应当共同到婚姻登记机关申请结婚登记。",
        "《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》。",
        "男女双方完全自愿；达到法定婚龄（男不早于二十二周岁，女不早于二十周岁）；双方均无配偶；"
        "不属于直系血亲或者三代以内的旁系血亲。",
        None,
        0,
        [
            ("本人居民身份证", True, "original", 1, "男女双方"),
            (
                "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
                True,
                "original",
                1,
                "在登记机关当场签署",
            ),
            ("近期二寸半身免冠合影照片", True, "original", 3, ""),
        ],
        depth=2,
        visits=1,
        faqs=[
            ("可以预约吗？", "可以。通过网上办事大厅预约登记日期和时段。"),
            ("婚姻登记收费吗？", "不收取登记费；结婚证工本费已按规定取消。"),
        ],
    ),
    # --- 市人力资源和社会保障局 ----------------------------------------------------------------
    Spec(
        "rs",
        "就业登记",
        "public_service",
        "both",
        ["employment"],
        ["employment"],
        "用人单位招用劳动者，或者劳动者实现灵活就业的，办理就业登记。",
        "《中华人民共和国就业促进法》；《就业服务与就业管理规定》（劳动和社会保障部令第28号）。",
        "劳动者已与用人单位建立劳动关系，或者从事个体经营、灵活就业。",
        None,
        0,
        [ID_CARD, ("劳动合同或者灵活就业情况说明", True, "copy", 1, "")],
        depth=4,
        visits=0,
    ),
    Spec(
        "rs",
        "社会保障卡申领",
        "public_service",
        "person",
        ["social-security"],
        ["birth", "employment"],
        "参保人员申领社会保障卡（含电子社会保障卡）。",
        "《中华人民共和国社会保险法》第五十八条；《社会保障卡管理办法》。",
        "已在本市参加社会保险或者具有本市户籍。",
        None,
        5,
        [ID_CARD, ("近期免冠证件照片", False, "electronic", 1, "可使用居民身份证照片")],
        depth=4,
        visits=0,
        faqs=[
            (
                "多久可以领到实体卡？",
                "银行网点即时制卡的当场领取；集中制卡的5个工作日内可领取或邮寄。",
            )
        ],
    ),
    Spec(
        "rs",
        "职工基本养老保险待遇申领（退休）",
        "benefit",
        "person",
        ["social-security"],
        ["retirement"],
        "参保职工达到法定退休年龄且累计缴费满规定年限的，申领按月领取的基本养老金。",
        "《中华人民共和国社会保险法》第十六条；《国务院关于渐进式延迟法定退休年龄的办法》。",
        "达到法定退休年龄；累计缴纳基本养老保险费满规定年限。",
        None,
        10,
        [ID_CARD, ("退休申请表", True, "original", 1, "由用人单位或本人填写")],
        depth=3,
        visits=0,
        blank_form="退休申请表",
    ),
    Spec(
        "rs",
        "失业保险金申领",
        "benefit",
        "person",
        ["employment", "social-security"],
        ["employment"],
        "失业人员符合条件的，可以申领失业保险金。",
        "《中华人民共和国社会保险法》第四十五条；《失业保险条例》。",
        "失业前用人单位和本人已经缴纳失业保险费满一年；非因本人意愿中断就业；已经进行失业登记并有"
        "求职要求。",
        None,
        5,
        [ID_CARD, ("解除或者终止劳动关系的证明", True, "copy", 1, "")],
        depth=4,
        visits=0,
    ),
    # --- 市交通运输局 --------------------------------------------------------------------------
    Spec(
        "jt",
        "道路货物运输经营许可",
        "licensing",
        "legal_entity",
        ["transport"],
        ["opening"],
        "从事道路货物运输经营（使用总质量4500千克以上普通货运车辆）的，申请道路运输经营许可。",
        "《中华人民共和国道路运输条例》第二十一条、第二十四条；《道路货物运输及站场管理规定》；"
        + LICENSING_LAW
        + "。",
        "有与其经营业务相适应并经检测合格的车辆；有符合规定条件的驾驶人员；有健全的安全生产管理制度。",
        20,
        5,
        [
            ("道路货物运输经营申请表", True, "original", 1, ""),
            ENTITY_ID,
            ("车辆行驶证及检测合格证明", True, "copy", 1, "拟投入车辆"),
            ("驾驶人员从业资格证", True, "copy", 1, ""),
            ("安全生产管理制度文本", True, "original", 1, ""),
        ],
        depth=3,
        visits=1,
    ),
    Spec(
        "jt",
        "出租汽车驾驶员从业资格证核发",
        "licensing",
        "person",
        ["transport", "employment"],
        ["employment"],
        "从事出租汽车客运服务的驾驶员，经考试合格后取得从业资格证。",
        "《出租汽车驾驶员从业资格管理规定》（交通运输部令）；《巡游出租汽车经营服务管理规定》。",
        "取得相应准驾车型机动车驾驶证1年以上；无交通肇事犯罪、危险驾驶犯罪记录；无吸毒记录；"
        "无饮酒后驾驶记录；最近连续3个记分周期内没有记满12分记录；考试合格。",
        20,
        10,
        [
            ID_CARD,
            ("机动车驾驶证", True, "original", 1, ""),
            ("无犯罪记录证明", True, "original", 1, ""),
        ],
        depth=3,
        visits=1,
    ),
    # --- 市生态环境局 --------------------------------------------------------------------------
    Spec(
        "sthj",
        "排污许可证核发",
        "licensing",
        "legal_entity",
        ["environment"],
        ["opening", "operation"],
        "纳入固定污染源排污许可分类管理名录的排污单位，应当依法申请取得排污许可证。",
        "《中华人民共和国环境保护法》第四十五条；《排污许可管理条例》（国务院令第736号）；"
        + LICENSING_LAW
        + "。",
        "依法取得建设项目环境影响报告书（表）批准文件或者办理环境影响登记备案手续；污染物排放符合"
        "污染物排放标准要求；采用的污染防治设施或者措施有能力达到许可排放浓度要求。",
        20,
        15,
        [
            ("排污许可证申请表", True, "electronic", 1, "通过全国排污许可证管理信息平台填报"),
            ("自行监测方案", True, "electronic", 1, ""),
            ("环境影响评价审批文件或者登记表", True, "copy", 1, ""),
        ],
        depth=4,
        visits=0,
    ),
    Spec(
        "sthj",
        "取水许可",
        "licensing",
        "legal_entity",
        ["water", "environment"],
        ["investment"],
        "直接从江河、湖泊或者地下取用水资源的单位和个人，应当申请领取取水许可证（本市水资源管理"
        "职责由市生态环境局承担）。",
        "《中华人民共和国水法》第四十八条；《取水许可和水资源费征收管理条例》；"
        + LICENSING_LAW
        + "。",
        "符合水资源规划和用水总量控制指标；取水、退水对水资源和其他取用水户无重大不利影响；"
        "已按规定编制建设项目水资源论证报告。",
        45,
        20,
        [
            ("取水许可申请书", True, "original", 1, ""),
            ("建设项目水资源论证报告书（表）", True, "original", 1, ""),
            ("与第三者利害关系的相关说明", False, "original", 1, "有利害关系的提供"),
        ],
        depth=3,
        visits=1,
        faqs=[("办理取水许可收费吗？", "取水许可审批不收费；取得许可后按规定缴纳水资源税（费）。")],
    ),
    Spec(
        "sthj",
        "建设项目环境影响报告表审批",
        "licensing",
        "legal_entity",
        ["environment", "construction"],
        ["investment"],
        "编制环境影响报告表的建设项目，建设单位在开工建设前报批环境影响报告表。",
        "《中华人民共和国环境影响评价法》第二十二条；《建设项目环境保护管理条例》。",
        "建设项目类型及其选址、布局、规模等符合环境保护法律法规和相关法定规划；环境影响报告表编制"
        "规范、结论明确。",
        30,
        15,
        [
            ("建设项目环境影响报告表", True, "original", 1, ""),
            ("环境影响报告表编制情况承诺书", True, "original", 1, ""),
        ],
        depth=3,
        visits=0,
    ),
    # --- 市公安局 ------------------------------------------------------------------------------
    Spec(
        "ga",
        "居民身份证申领",
        "confirmation",
        "person",
        ["household"],
        ["schooling", "employment"],
        "居住在中华人民共和国境内的年满十六周岁的中国公民申请领取居民身份证；未满十六周岁的可以"
        "依照规定申请领取。",
        "《中华人民共和国居民身份证法》第二条、第八条。",
        "具有本市常住户口。",
        60,
        20,
        [
            ("户口簿", True, "original", 1, ""),
            ("符合标准的居民身份证相片", True, "electronic", 1, "现场采集"),
        ],
        depth=2,
        visits=1,
        fees=[
            (
                "居民身份证工本费",
                "20.00",
                "证",
                "《财政部 国家发展改革委关于公安部门有关证照工本费的通知》等规定",
            )
        ],
    ),
    Spec(
        "ga",
        "新生儿入户",
        "confirmation",
        "person",
        ["household", "birth-adoption"],
        ["birth"],
        "新生儿出生后，由父母或监护人向户籍登记机关申报出生登记。",
        "《中华人民共和国户口登记条例》第七条。",
        "婴儿出生后一个月以内申报；随父或随母落户。",
        None,
        0,
        [
            ("出生医学证明", True, "original", 1, ""),
            ("父母的居民户口簿", True, "original", 1, ""),
            ("父母的结婚证", False, "original", 1, "非婚生育的免于提供"),
        ],
        depth=4,
        visits=0,
        faqs=[
            (
                "可以和出生医学证明一起办吗？",
                "可以。本市“出生一件事”一次办，在医院签发出生医学证明后"
                "即可在线申报户口登记、社会保障卡申领和医保参保。",
            )
        ],
    ),
    # --- 市教育局 ------------------------------------------------------------------------------
    Spec(
        "jy",
        "义务教育阶段新生入学登记",
        "public_service",
        "person",
        ["education"],
        ["schooling"],
        "适龄儿童进入小学一年级、小学毕业生升入初中的入学登记。",
        "《中华人民共和国义务教育法》第十二条；本市年度义务教育招生入学工作意见。",
        "年满六周岁的适龄儿童（小学）；本市户籍或者持有本市居住证的随迁子女。",
        None,
        15,
        [
            ("户口簿", True, "copy", 1, ""),
            ("房屋产权证明或者居住证", True, "copy", 1, "按学区划分提供"),
        ],
        depth=4,
        visits=0,
    ),
    Spec(
        "jy",
        "教师资格认定",
        "licensing",
        "person",
        ["education", "employment"],
        ["employment"],
        "具备教师法规定学历、普通话水平和身体条件并通过考试的中国公民，申请认定教师资格。",
        "《中华人民共和国教师法》第十条至第十三条；《教师资格条例》；《〈教师资格条例〉实施办法》。",
        "遵守宪法和法律，热爱教育事业，具有良好的思想品德；具备规定的学历；普通话水平达到二级乙等以上；"
        "体检合格；通过教师资格考试。",
        30,
        20,
        [
            ID_CARD,
            ("学历证书", True, "copy", 1, "已实现学历在线核验的免于提交"),
            ("体检合格证明", True, "original", 1, ""),
        ],
        depth=3,
        visits=0,
    ),
    # --- 市自然资源和规划局 --------------------------------------------------------------------
    Spec(
        "zrzy",
        "不动产首次登记（商品房转移登记）",
        "confirmation",
        "both",
        ["real-estate", "housing"],
        ["housing"],
        "购买新建商品房后，买卖双方申请办理不动产转移登记，取得不动产权证书。",
        "《中华人民共和国民法典》第二百零九条；《不动产登记暂行条例》；《不动产登记暂行条例实施细则》。",
        "房屋已办理首次登记；买卖合同已网签备案；已依法缴纳相关税费。",
        30,
        5,
        [
            ("不动产登记申请书", True, "original", 1, ""),
            ID_CARD,
            ("商品房买卖合同", True, "original", 1, ""),
            ("完税凭证", True, "copy", 1, "已共享的免于提交"),
        ],
        depth=3,
        visits=1,
        fees=[
            (
                "不动产登记费（住宅）",
                "80.00",
                "件",
                "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》",
            ),
            ("证书工本费", "10.00", "本", "同上；只收取一本证书工本费"),
        ],
        blank_form="不动产登记申请书",
    ),
    # --- 市文化广电旅游局 ----------------------------------------------------------------------
    Spec(
        "wl",
        "营业性演出许可",
        "licensing",
        "legal_entity",
        ["culture-tourism"],
        ["operation"],
        "举办营业性演出，应当向演出所在地县级以上文化和旅游主管部门提出申请。",
        "《营业性演出管理条例》第十三条；《营业性演出管理条例实施细则》；" + LICENSING_LAW + "。",
        "演出举办单位依法设立；演出内容不含禁止内容；演出场所符合安全条件。",
        3,
        3,
        [
            ("营业性演出申请登记表", True, "original", 1, ""),
            ("演出节目内容材料", True, "original", 1, ""),
            ("演员名单及有效身份证件", True, "copy", 1, ""),
        ],
        depth=3,
        visits=0,
    ),
    # --- 市农业农村局 --------------------------------------------------------------------------
    Spec(
        "nync",
        "农药经营许可",
        "licensing",
        "legal_entity",
        ["agriculture"],
        ["opening"],
        "从事农药经营的单位和个人，应当取得农药经营许可证（经营卫生用农药的除外）。",
        "《农药管理条例》第二十四条；《农药经营许可管理办法》（农业农村部令）。",
        "有具备农药和病虫害防治专业知识的经营人员；有与经营农药相适应的营业场所、仓储场所；"
        "有农药进货查验、销售台账、安全防护等管理制度。",
        20,
        15,
        [
            ("农药经营许可证申请表", True, "original", 1, ""),
            ("营业场所和仓储场所地址、面积、平面图", True, "original", 1, ""),
            ("经营人员专业知识证明", True, "copy", 1, ""),
        ],
        depth=3,
        visits=1,
    ),
    # --- 市司法局 ------------------------------------------------------------------------------
    Spec(
        "sf",
        "法律援助申请",
        "public_service",
        "person",
        ["legal-services", "social-assistance"],
        ["hardship"],
        "经济困难公民和符合法定条件的其他当事人申请法律援助。",
        "《中华人民共和国法律援助法》第三十一条、第四十一条。",
        "经济困难或者属于免予核查经济困难状况的情形；申请事项属于法律援助范围。",
        None,
        7,
        [
            ID_CARD,
            ("法律援助申请表", True, "original", 1, ""),
            ("经济困难状况说明表", False, "original", 1, "免于核查情形的不提供"),
        ],
        depth=3,
        visits=1,
        faqs=[("申请法律援助要收费吗？", "不收费。法律援助是国家提供的无偿法律服务。")],
    ),
]


def _blank_form(name: str) -> Any:
    """A generated blank application form (.xlsx) for a material."""
    wb = Workbook()
    ws = wb.active
    ws.title = "申请表"
    ws.append([name])
    for label in (
        "申请人（单位）名称",
        "证件号码",
        "联系电话",
        "联系地址",
        "申请事项",
        "申请人签字（盖章）",
        "日期",
    ):
        ws.append([label, ""])
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(f"{name}.xlsx", out.getvalue())


def item_code(org: Organisation, serial: int, item_type: str) -> str:
    """实施编码 in the shape seen in provincial lists (基本编码-区划-000-实施主体代码-1-00);
    the meaning of each segment is unconfirmed (cn-standards §3.2)."""
    letter = "ABCDEFGH"[
        [
            "licensing",
            "confirmation",
            "benefit",
            "adjudication",
            "reward",
            "filing",
            "other_power",
            "public_service",
        ].index(item_type)
    ]
    return f"990{letter}{serial:07d}000-990100000000-000-{org.credit_code}-1-00"


def _grant_permissions(stdout: Any) -> None:
    for code, codenames in ROLE_PERMISSIONS.items():
        role = Role.objects.filter(code=code).first()
        if role is None:
            continue
        wanted = list(
            Permission.objects.filter(content_type__app_label="eservices", codename__in=codenames)
        )
        have = set(role.permissions.values_list("pk", flat=True))
        if any(p.pk not in have for p in wanted):
            directory.role_update(
                actor=None, role=role, permissions=[*role.permissions.all(), *wanted]
            )


def _publish(item: ServiceItem, dept: str) -> None:
    """Submit as the system and approve as the department's leader, through the inbox."""
    item = actions.service_item_submit(actor=None, item=item, expected_version=item.version)
    leader = Account.objects.filter(username=f"{dept}_leader").first()
    task = WorkTask.objects.filter(
        instance__owner_type=actions.SUBJECT_TYPE,
        instance__owner_id=str(item.pk),
        status__in=["open", "claimed"],
    ).first()
    if leader is None or task is None:
        return
    workflow.task_complete(actor=leader, task=task, decision="approve", opinion="")


def load(stdout: Any) -> list[tuple[str, str, str]]:
    from django.utils.translation import gettext

    taxonomy_ensure()
    _grant_permissions(stdout)
    actions.review_process_setup(actor=None)
    topics = {t.code: t for t in Topic.objects.all()}
    events = {e.code: e for e in LifeEvent.objects.all()}
    created = 0
    for serial, spec in enumerate(SPECS, 1):
        org = Organisation.objects.filter(code=spec.dept).first()
        if org is None:
            continue
        code = item_code(org, serial, spec.item_type)
        if ServiceItem.objects.filter(code=code).exists():
            continue
        materials = []
        for name, required, form, copies, notes in spec.materials:
            blank = None
            if name == spec.blank_form:
                blank = file_store(
                    actor=None, upload=_blank_form(name), purpose=actions.FORM_PURPOSE
                )
            materials.append(
                MaterialInput(
                    name=name,
                    required=required,
                    form=form,
                    copies=copies,
                    notes=notes,
                    blank_form=blank,
                )
            )
        data = ItemInput(
            name=spec.name,
            code=code,
            item_type=spec.item_type,
            audience=spec.audience,
            handling_level="city",
            summary=spec.summary,
            legal_basis=spec.basis,
            conditions=spec.conditions,
            process_description=_process(spec),
            statutory_limit_days=spec.statutory,
            promised_limit_days=spec.promised,
            service_location=f"{CENTRE}{org.name}窗口",
            service_hours=HOURS,
            visits_required=spec.visits,
            contact_phone=HOTLINE,
            complaint_phone=HOTLINE,
            online_depth=spec.depth,
            form_schema=PERSON_FORM if spec.audience == "person" else ENTITY_FORM,
            topics=[topics[c] for c in spec.topics if c in topics],
            life_events=[events[c] for c in spec.events if c in events],
            materials=materials,
            fees=[FeeInput(name=n, amount=Decimal(a), unit=u, basis=b) for n, a, u, b in spec.fees],
            faqs=[FaqInput(question=q, answer=a) for q, a in spec.faqs],
        )
        item = actions.service_item_create(actor=None, organisation=org, data=data)
        _publish(item, spec.dept)
        created += 1
    if created:
        stdout.write(gettext("  Service catalogue: %(count)s items published") % {"count": created})
    return []
